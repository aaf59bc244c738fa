"""CycleGAN at CPU scale: MNIST ↔ scikit-learn's 8×8 digits, and horse2zebra at 64×64.

    python benchmarks/bench_cyclegan.py --data-root ../shared/data --only digits   # ≈ 10 min at 1 thread
    python benchmarks/bench_cyclegan.py --data-root ../shared/data --only h2z      # ≈ 25 min at 1 thread
    python benchmarks/bench_cyclegan.py --data-root ../shared/data --eval-only     # re-read the runs
    python benchmarks/bench_cyclegan.py --data-root ../shared/data --only digits --out /tmp/cyc-sem \
        --set 'G.args.frame=[20,20]' --set 'nets.F.args.frame=[20,20]' --semantic 1 --tag=-semantic

MNIST ↔ digits: the share of test digits whose class survives translation, read by the shipped
``mnist-cnn`` on the MNIST side (F(held-out 8×8 digits) at 28×28) and by the shipped ``digits-cnn``
on the 8×8 side (G(MNIST test) at 8×8, read as that classifier reads every 8×8 digit: upsampled to
28×28). CycleGAN trains on MNIST's training split and on the 1,437 digits the digits classifier
trained on (index % 5 ≠ 0, written to a folder); the 360 held-out digits (index % 5 = 0) are never
seen by either. Also: the cycle reconstruction error mean|F(G(a)) − a| (and the reverse) in [0, 1]
pixel units, and, for reference, the same classifiers on plain resizes (no learning), with the
framings as they are and matched (MNIST's centred 20×20 box ↔ the 8×8 frame: the translators'
``frame`` option, ``--set G.args.frame=[20,20] --set nets.F.args.frame=[20,20]``).
horse2zebra: FID of G(testA) against testB and of F(testB) against testA at 64×64 with the project's
CIFAR-10 feature network (``cifar10-cnn``; raw pixels, ``identity``, where it is not shipped), next
to FID(testA, testB) untranslated; and the pictures (rows: input, translation, reconstruction).
Wall times are measured under load (2 shared cores, threads=1). Results: OUT/results.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import ganforge
from ganforge.config import DataConfig
from ganforge.data.base import load_data
from ganforge.data.unpaired import _domain, unpaired_folder
from ganforge.metrics.classifier import load_classifier
from ganforge.metrics.features import get_feature_net
from ganforge.models.cyclegan import ResnetTranslator
from ganforge.translate import load_translator, translate

ROOT = Path(__file__).resolve().parents[1]


EVAL_ONLY = False


def _train(name, out: Path, steps: int, data_root: str, **kw) -> float:
    done = out / "bench_train.json"
    if done.is_file():
        return json.loads(done.read_text())["seconds"]
    if EVAL_ONLY:
        raise SystemExit(f"--eval-only: {out} has not finished training")
    sets = [f"train.steps={steps}", f"opt_G.decay_start={steps // 2}", f"opt_D.decay_start={steps // 2}",
            "train.threads=1", "train.log_every=100", f"train.sample_every={max(steps // 6, 1)}",
            f"train.ckpt_every={max(steps // 6, 1)}"] + kw.pop("sets", [])
    t0 = time.perf_counter()
    ganforge.train("cyclegan", out=out, data_root=data_root, set=sets, console=False, **kw)
    seconds = time.perf_counter() - t0
    (out / "bench_train.json").write_text(json.dumps({"seconds": seconds, "steps": steps}))
    return seconds


@torch.no_grad()
def _classify(dataset: str, x: torch.Tensor) -> torch.Tensor:
    return get_feature_net(f"{dataset}-cnn").extract(x)["probs"].argmax(1)


def _digits_split(out: Path):
    """sklearn's digits: the classifier's training part written as a folder (one sub-folder per
    class), the held-out part (index % 5 == 0) as tensors."""
    from PIL import Image

    data = load_data(DataConfig(name="digits"))
    idx = torch.arange(len(data))
    train, test = idx[idx % 5 != 0], idx[idx % 5 == 0]
    folder = out / "digits_train"
    if not folder.is_dir():
        for i in train.tolist():
            sub = folder / str(int(data.labels[i]))
            sub.mkdir(parents=True, exist_ok=True)
            Image.fromarray(data.x[i, 0].numpy()).save(sub / f"{i:04d}.png")
    return folder, data.x[test].float() / 255, data.labels[test]


def _framed(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Images in [0, 1] resampled as a translator with frame=[20, 20] resamples them (it works in [−1, 1])."""
    shapes = ((1, *x.shape[2:]), (1, *size))
    net = ResnetTranslator(in_shape=shapes[0], out_shape=shapes[1], ngf=1, n_blocks=0, n_down=0, frame=[20, 20])
    return (net.resample(x * 2 - 1) + 1) / 2


def _own_classifiers(out: Path, data_root: str) -> dict[str, Path]:
    """The semantic term's classifiers: the shipped recipe (scripts/train_classifier.py) at seed 1, so that
    the translations are not trained against the very networks (seed 0, shipped) that score them."""
    import subprocess
    import sys

    paths = {}
    for dataset in ("mnist", "digits"):
        path = out / f"{dataset}-cnn-seed1.safetensors"
        if not path.is_file():
            cmd = [sys.executable, str(ROOT / "scripts/train_classifier.py"), "--dataset", dataset, "--seed", "1",
                   "--out", str(path)] + (["--data-root", data_root] if dataset == "mnist" else [])
            subprocess.run(cmd, check=True)
        paths[dataset] = path
    return paths


def digits(args, out: Path) -> dict:
    run = out / "mnist2digits"
    folder, b_test, b_labels = _digits_split(out)
    sets = list(args.set)
    if args.semantic > 0:
        own = _own_classifiers(out, args.data_root)
        sets += [f"recipe_args.semantic={args.semantic}", f"recipe_args.classifier_a={own['mnist']}",
                 f"recipe_args.classifier_b={own['digits']}"]
    seconds = _train("cyclegan", run, args.steps_digits, args.data_root, data="mnist", data_b=str(folder),
                     sets=sets)
    mnist = load_data(DataConfig(name="mnist", root=args.data_root, split="test"))
    a_test, a_labels = mnist.x[: args.n_mnist].float() / 255, mnist.labels[: args.n_mnist]
    G, _ = load_translator(run, "a2b")
    F_, _ = load_translator(run, "b2a")
    fake_b, fake_a = translate(run, a_test, "a2b", net=G), translate(run, b_test, "b2a", net=F_)
    rec_a, rec_b = translate(run, fake_b, "b2a", net=F_), translate(run, fake_a, "a2b", net=G)
    res = {
        "steps": args.steps_digits, "sets": sets, "train_seconds_under_load": round(seconds, 1),
        "n_mnist_test": len(a_test), "n_digits_held_out": len(b_test),
        "a2b_class_kept": float((_classify("digits", fake_b) == a_labels).float().mean()),
        "b2a_class_kept": float((_classify("mnist", fake_a) == b_labels).float().mean()),
        "cycle_l1_a": float((rec_a - a_test).abs().mean()), "cycle_l1_b": float((rec_b - b_test).abs().mean()),
        # reference without learning: MNIST averaged down to 8×8, digits bilinearly up to 28×28
        "resize_a2b_class_kept": float((_classify("digits", F.interpolate(a_test, size=(8, 8), mode="area"))
                                        == a_labels).float().mean()),
        "resize_b2a_class_kept": float((_classify("mnist", b_test) == b_labels).float().mean()),
        # the same with the two framings matched (G.args.frame=[20, 20]: MNIST's centred 20×20 box ↔ the 8×8 frame)
        "frame_resize_a2b_class_kept": float((_classify("digits", _framed(a_test, (8, 8))) == a_labels)
                                             .float().mean()),
        "frame_resize_b2a_class_kept": float((_classify("mnist", _framed(b_test, (28, 28))) == b_labels)
                                             .float().mean()),
        "classifier_acc_on_real": {"mnist-cnn (MNIST test)": float((_classify("mnist", a_test) == a_labels).float().mean()),
                                   "digits-cnn (held-out digits)": float((_classify("digits", b_test) == b_labels)
                                                                          .float().mean())},
    }
    ia = torch.stack([(a_labels == c).nonzero()[0, 0] for c in range(10)])  # the first test digit of each class
    ib = torch.stack([(b_labels == c).nonzero()[0, 0] for c in range(10)])
    _picture([a_test[ia], fake_b[ia], rec_a[ia], b_test[ib], fake_a[ib], rec_b[ib]],
             ROOT / f"docs/images/cyclegan-digits{args.tag}.png", 10, scale=3)
    return res


def _fid(x, y, feature: str) -> float:
    from ganforge.metrics.features import get_feature_net
    from ganforge.metrics.fid import fid_from_features

    if feature == "identity":  # raw pixels of 8×8 thumbnails (192 values; a full 64×64 image has 12,288)
        x, y = (F.interpolate(t, size=(8, 8), mode="area") for t in (x, y))
    net = get_feature_net(feature)
    return fid_from_features(net.extract(x)["features"].numpy(), net.extract(y)["features"].numpy(), splits=1).value


def h2z(args, out: Path) -> dict:
    run = out / "horse2zebra64"
    seconds = _train("cyclegan", run, args.steps_h2z, args.data_root, data="horse2zebra-64", sets=args.set)
    cfg = DataConfig(name="horse2zebra-64", root=args.data_root, split="test", image_size=[64, 64])
    test_a = _domain(unpaired_folder(cfg), cfg, "A").x.float() / 255
    test_b = _domain(unpaired_folder(cfg), cfg, "B").x.float() / 255
    G, _ = load_translator(run, "a2b")
    F_, _ = load_translator(run, "b2a")
    fake_b, fake_a = translate(run, test_a, "a2b", net=G), translate(run, test_b, "b2a", net=F_)
    rec_a, rec_b = translate(run, fake_b, "b2a", net=F_), translate(run, fake_a, "a2b", net=G)
    try:
        load_classifier("cifar10")
        feature = "cifar10-cnn"
    except Exception:  # not shipped yet: raw pixels
        feature = "identity"  # on 8×8 thumbnails, see _fid
    res = {"steps": args.steps_h2z, "train_seconds_under_load": round(seconds, 1), "feature_net": feature,
           "n_test_a": len(test_a), "n_test_b": len(test_b),
           "fid_G(testA)_vs_testB": _fid(fake_b, test_b, feature), "fid_testA_vs_testB": _fid(test_a, test_b, feature),
           "fid_F(testB)_vs_testA": _fid(fake_a, test_a, feature), "fid_testB_vs_testA": _fid(test_b, test_a, feature),
           "cycle_l1_a": float((rec_a - test_a).abs().mean()), "cycle_l1_b": float((rec_b - test_b).abs().mean())}
    pick_a, pick_b = torch.arange(0, 120, 15)[:8], torch.arange(0, 140, 17)[:8]
    _picture([test_a[pick_a], fake_b[pick_a], rec_a[pick_a], test_b[pick_b], fake_a[pick_b], rec_b[pick_b]],
             ROOT / f"docs/images/cyclegan-horse2zebra{args.tag}.png", 8, scale=2)
    return res


def _picture(rows, path: Path, nrow: int, scale: int) -> None:
    from ganforge.recipes.cyclegan import display_rows
    from ganforge.viz.grid import save_grid

    x = display_rows([r * 2 - 1 for r in rows], (-1.0, 1.0))
    save_grid(x, path, nrow=nrow, scale=scale)
    if path.stat().st_size > 400_000:  # photographs: a 256-colour palette keeps the README light
        from PIL import Image

        with Image.open(path) as im:
            im.convert("RGB").quantize(256).save(path, optimize=True)
    print(f"wrote {path.relative_to(ROOT)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-root", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--out", default="/tmp/bench_cyclegan")
    ap.add_argument("--only", choices=["digits", "h2z"], default=None)
    ap.add_argument("--steps-digits", type=int, default=6000)
    ap.add_argument("--steps-h2z", type=int, default=3000)
    ap.add_argument("--n-mnist", type=int, default=2000, help="MNIST test images translated")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config override (repeatable)")
    ap.add_argument("--semantic", type=float, default=0.0, metavar="W",
                    help="add the semantic-consistency term at weight W, through classifiers trained here at seed 1 "
                         "(the shipped seed-0 ones score the result)")
    ap.add_argument("--tag", default="", help="suffix of the pictures' names")
    ap.add_argument("--eval-only", action="store_true", help="evaluate the runs already in --out")
    args = ap.parse_args()
    torch.set_num_threads(1)
    global EVAL_ONLY
    EVAL_ONLY = args.eval_only
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.json"
    results = json.loads(path.read_text()) if path.is_file() else {}
    for name, fn in (("digits", digits), ("h2z", h2z)):
        if args.only in (None, name):
            results[name] = fn(args, out)
            path.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
