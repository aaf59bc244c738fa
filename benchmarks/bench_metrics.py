"""Metric benchmarks on real data (not a timed test).

    python benchmarks/bench_metrics.py --data-root ../shared/data [--threads 1] [--json out.json]

1. Floors: MNIST train[0:10000] measured against the 10,000 test images, as if the training
   images were a perfect generator: FID, KID, classifier score, precision/recall,
   density/coverage with the shipped mnist-cnn, and the 2014 paper's Parzen log-likelihood
   (σ chosen on train[50000:60000]). A generator cannot be expected to beat these.
2. Speed: FID + KID + precision/recall on 10k vs 10k with the shipped classifier, features
   of both sets computed from pixels (no cache), with the share spent in feature extraction.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import torch

from ganforge.config import DataConfig
from ganforge.data import load_data
from ganforge.metrics.features import get_feature_net
from ganforge.metrics.fid import fid_from_features
from ganforge.metrics.kid import kid_from_features
from ganforge.metrics.prdc import prdc_from_features
from ganforge.metrics.runner import EvalOptions, evaluate

LOCK = "/tmp/ganforge_bench.lock"


def wait_for_lock() -> None:
    while os.path.exists(LOCK):
        print(f"waiting: {LOCK} exists (another benchmark is timing)", flush=True)
        time.sleep(15)


def speed(data_root: str, n: int) -> dict:
    gen = load_data(DataConfig(name="mnist", root=data_root, split="train")).x[:n].float() / 255
    ref = load_data(DataConfig(name="mnist", root=data_root, split="test")).x[:n]
    net = get_feature_net("mnist-cnn")
    t0 = time.perf_counter()
    fg = net.extract(gen)["features"].numpy()
    fr = net.extract(ref)["features"].numpy()
    t1 = time.perf_counter()
    fid = fid_from_features(fg, fr, splits=10)
    t2 = time.perf_counter()
    kid = kid_from_features(fg, fr)
    t3 = time.perf_counter()
    pr = prdc_from_features(fg, fr, k_pr=3, k_dc=5)
    t4 = time.perf_counter()
    total = t4 - t0
    return {"n": n, "threads": torch.get_num_threads(), "total_seconds": round(total, 2),
            "feature_seconds": round(t1 - t0, 2), "feature_share": round((t1 - t0) / total, 3),
            "fid_seconds": round(t2 - t1, 2), "kid_seconds": round(t3 - t2, 2), "prdc_seconds": round(t4 - t3, 2),
            "fid": round(fid.value, 4), "kid": round(kid.value, 6), "precision": pr["precision"].value,
            "recall": pr["recall"].value}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-root", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--skip-floors", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--out", default="bench_metrics.eval.jsonl", help="protocol cards of the floors")
    ap.add_argument("--json", help="write the summary here too")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    summary: dict = {}
    if not args.skip_speed:
        wait_for_lock()
        summary["speed"] = speed(args.data_root, args.n)
        print(json.dumps(summary["speed"]), flush=True)
    if not args.skip_floors:
        wait_for_lock()
        t0 = time.perf_counter()
        cards = evaluate(images="mnist:train", reference="mnist:test", data_root=args.data_root,
                         metrics="fid,kid,is,pr,dc,parzen", out=args.out, options=EvalOptions(n=args.n),
                         echo=print)
        summary["floors"] = {c["metric"]: {"value": c["value"], "std": c["std"], "std_kind": c["std_kind"],
                                           **({"sigma": c["params"]["sigma"]} if c["metric"] == "parzen" else {})}
                             for c in cards}
        summary["floors_seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(summary, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
