"""DCGAN on a large image folder, streamed (data.stream=true) against held in memory, interleaved.

    python benchmarks/make_folder_200k.py --data-root ../shared/data --out /work/bigdata/folder200k
    python benchmarks/stream_folder.py --data /work/bigdata/folder200k --cache /work/bigdata/stream-cache

Each measurement is ``ganforge train dcgan`` in its own process at one torch thread. Rounds
alternate the order (memory, stream; stream, memory; ...) so that a machine shared with others
disturbs both sides alike; the ratio of the two sides' medians is the result. Images per second
come from metrics.jsonl (every step logged, the warm-up steps dropped). Memory is the peak over the
whole process tree (the training process, the forkserver and the reader processes), sampled every
0.2 s from /proc: the sum of resident sizes (RSS, counting shared pages once per process, so an
overestimate) and of proportional sizes (PSS, shared pages split among their processes).

The streamed side reads the whole folder; the in-memory side loads its first --memory-limit images
(data.limit): holding all 200,000 decoded (2.4 GB, twice that while loading) is what streaming
avoids, and the training step does not depend on how many images there are. The cache is built
before the rounds by a one-step streamed run (its time is reported, not counted).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_common import cpu_model


def tree(root: int) -> list[int]:
    """``root`` and every process below it (from /proc/PID/task/TID/children)."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for task in os.scandir(f"/proc/{pid}/task"):
                todo += [int(c) for c in Path(task.path, "children").read_text().split()]
        except OSError:
            continue
    return found


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB, from /proc/PID/smaps_rollup; (0, 0) once it is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    values = {line.split(":")[0]: int(line.split()[1]) for line in text.splitlines()[1:] if line.endswith("kB")}
    return values.get("Rss", 0), values.get("Pss", 0)


def train(args, out: Path, steps: int, stream: bool) -> dict:
    sets = {"data.stream": str(stream).lower(), "data.stream_cache": args.cache, "data.workers": args.workers,
            "train.threads": 1, "train.log_every": 1, "train.sample_every": 10**6, "train.ckpt_every": 10**6,
            "G.args.ngf": args.width, "D.args.ndf": args.width}
    if not stream:
        sets["data.limit"] = args.memory_limit
    cmd = [sys.executable, "-m", "ganforge.cli", "train", "dcgan", "--data", args.data, "--steps", str(steps),
           "--batch-size", str(args.batch), "--out", str(out), *sum((["--set", f"{k}={v}"] for k, v in sets.items()), [])]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    t0 = time.perf_counter()
    with open(out.with_suffix(".log"), "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        peak_rss = peak_pss = peak_procs = 0
        while proc.poll() is None:
            pids = tree(proc.pid)
            sizes = [memory_kb(p) for p in pids]
            peak_rss = max(peak_rss, sum(s[0] for s in sizes))
            peak_pss = max(peak_pss, sum(s[1] for s in sizes))
            peak_procs = max(peak_procs, len(pids))
            time.sleep(0.2)
    text = out.with_suffix(".log").read_text()
    if proc.returncode:
        raise SystemExit(f"error: training failed ({' '.join(cmd)}):\n{text[-2000:]}")
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line.strip()]
    timed = [r["sec_per_step"] for r in rows if r["step"] > args.warmup]
    decision = next((line for line in text.splitlines() if line.startswith("data: ")), "")
    built = next((line for line in text.splitlines() if line.startswith("stream cache: written")), "")
    return {"img_s": args.batch / statistics.mean(timed) if timed else None, "peak_rss_mb": peak_rss / 1024,
            "peak_pss_mb": peak_pss / 1024, "processes": peak_procs, "wall_s": time.perf_counter() - t0,
            "decision": decision, "built": built}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="the image folder (benchmarks/make_folder_200k.py)")
    ap.add_argument("--cache", required=True, help="data.stream_cache: where the decoded chunks go")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=2, help="steps left out of the timing")
    ap.add_argument("--timed", type=int, default=8, help="steps timed per run")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--width", type=int, default=32, help="ngf = ndf (the paper's 128 takes ~40 s a step on one core)")
    ap.add_argument("--memory-limit", type=int, default=20_000, help="images the in-memory side loads")
    ap.add_argument("--workers", default="auto", help="data.workers of the streamed side")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    print(f"# {datetime.date.today()} · {cpu_model()} · {os.cpu_count()} cores · load {os.getloadavg()[0]:.1f} · "
          f"dcgan 64×64, ngf = ndf = {args.width}, batch {args.batch}, one torch thread", flush=True)
    results: dict[str, list[dict]] = {"memory": [], "stream": []}
    with tempfile.TemporaryDirectory() as tmp:
        first = train(args, Path(tmp) / "warm-cache", 1, True)
        print(f"# cache: {first['built'] or 'already built'} ({first['wall_s']:.0f} s and peak RSS "
              f"{first['peak_rss_mb']:.0f} MB for the whole first run)")
        print(f"# {first['decision']}", flush=True)
        for r in range(args.rounds):
            for side in (("memory", "stream") if r % 2 == 0 else ("stream", "memory")):
                res = train(args, Path(tmp) / f"{side}-{r}", args.warmup + args.timed, side == "stream")
                results[side].append(res)
                print(f"round {r + 1} {side:6s}: {res['img_s']:7.1f} img/s  peak RSS {res['peak_rss_mb']:6.0f} MB  "
                      f"PSS {res['peak_pss_mb']:6.0f} MB  ({res['processes']} processes, {res['wall_s']:.0f} s)",
                      flush=True)
    med = {side: statistics.median(r["img_s"] for r in rs) for side, rs in results.items()}
    pairs = [s["img_s"] / m["img_s"] for s, m in zip(results["stream"], results["memory"])]
    peak = {side: max(r["peak_rss_mb"] for r in rs) for side, rs in results.items()}
    peak_pss = {side: max(r["peak_pss_mb"] for r in rs) for side, rs in results.items()}
    print(f"memory (first {args.memory_limit:,} images): median {med['memory']:.1f} img/s, peak RSS {peak['memory']:.0f} MB "
          f"(PSS {peak_pss['memory']:.0f} MB)")
    print(f"stream (whole folder):  median {med['stream']:.1f} img/s, peak RSS {peak['stream']:.0f} MB "
          f"(PSS {peak_pss['stream']:.0f} MB)")
    print(f"stream / memory: {med['stream'] / med['memory']:.3f} (per round: {', '.join(f'{p:.3f}' for p in pairs)})")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "cpu": cpu_model(), "results": results}, indent=1))


if __name__ == "__main__":
    main()
