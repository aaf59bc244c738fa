"""`ganforge export` measured on a DCGAN: the sizes of the ONNX and TorchScript files, how far
each is from `ganforge.load(RUN).sample` on 1,000 images (max |difference|), and the time to
sample 1,000 images in onnxruntime, in TorchScript and in PyTorch (`sample`), all at one thread
unless --threads says otherwise. The run is the DCGAN of CIFAR-10 at its paper widths (ngf = ndf =
128, 5×5 kernels, z 100), trained a few steps on the bundled digits brought to 32×32 (one channel
instead of three): the network, not the data or the training, sets what is measured here.

    python benchmarks/bench_export.py --out /tmp/bench-export            # train, export, measure
    python benchmarks/bench_export.py --run RUN --out /tmp/bench-export  # an existing run
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from results_common import cpu_model


def best_of(rounds: int, fn) -> tuple[float, object]:
    """(the fastest of ``rounds`` calls in seconds, the last result)."""
    times, out = [], None
    for _ in range(rounds):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/bench_export")
    ap.add_argument("--run", default=None, help="measure an existing run instead of training one")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3, help="timed repeats; the fastest is reported")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    import onnxruntime as ort

    import ganforge
    from ganforge.exporting import sample_inputs

    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    run = Path(args.run) if args.run else out / "run"
    if not args.run:
        subprocess.run([sys.executable, "-m", "ganforge.cli", "train", "dcgan", "--data", "digits", "--steps",
                        str(args.steps), "--out", str(run), "--batch-size", "64", "--set", "data.image_size=[32,32]",
                        "--set", f"train.ckpt_every={args.steps}", "--set", f"train.threads={args.threads}"],
                       check=True, stdout=subprocess.DEVNULL)
    files = {"onnx": out / "G.onnx", "torchscript": out / "G.pt"}
    for fmt, path in files.items():
        for old in (path, path.with_name(path.name + ".card.json")):
            old.unlink(missing_ok=True)
        ganforge.export(run, format=fmt, out=path)

    G = ganforge.load(run)
    inputs = sample_inputs(G, args.n, seed=0)
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = args.threads
    session = ort.InferenceSession(str(files["onnx"]), options, providers=["CPUExecutionProvider"])
    scripted = torch.jit.load(str(files["torchscript"]))
    tensors = [torch.from_numpy(v) for v in inputs.values()]

    def run_script():
        with torch.no_grad():
            return scripted(*tensors).numpy()

    seconds, images = {}, {}
    seconds["pytorch"], want = best_of(args.rounds, lambda: G.sample(args.n, seed=0).numpy())
    seconds["onnxruntime"], images["onnx"] = best_of(args.rounds, lambda: session.run(["x"], inputs)[0])
    seconds["torchscript"], images["torchscript"] = best_of(args.rounds, run_script)
    result = {
        "run": str(run), "step": G.step, "recipe": G.cfg.recipe, "image_shape": list(want.shape[1:]),
        "parameters": sum(p.numel() for p in G.G.parameters()), "n": args.n, "threads": args.threads,
        "bytes": {fmt: path.stat().st_size for fmt, path in files.items()},
        "max_abs_diff_vs_sample": {fmt: float(np.abs(x - want).max()) for fmt, x in images.items()},
        "seconds_for_n": {k: round(v, 3) for k, v in seconds.items()},
        "cpu": cpu_model(), "cores": os.cpu_count(),
        "versions": {"torch": torch.__version__, "onnxruntime": ort.__version__, "ganforge": ganforge.__version__},
    }
    (out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    mb = {k: v / 1e6 for k, v in result["bytes"].items()}
    print(f"{result['recipe']} G ({result['parameters']:,} parameters, {result['image_shape']}): ONNX "
          f"{mb['onnx']:.1f} MB, TorchScript {mb['torchscript']:.1f} MB; max |diff| vs sample: ONNX "
          f"{result['max_abs_diff_vs_sample']['onnx']:.2g}, TorchScript {result['max_abs_diff_vs_sample']['torchscript']:.2g}; "
          f"{args.n} images at {args.threads} thread(s): onnxruntime {seconds['onnxruntime']:.2f} s, TorchScript "
          f"{seconds['torchscript']:.2f} s, PyTorch sample {seconds['pytorch']:.2f} s ({result['cpu']})")


if __name__ == "__main__":
    main()
