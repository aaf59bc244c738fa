"""The CUDA path in one command: every recipe for a few steps under bf16-mixed (eager, then
torch.compile), host synchronisations per training step, a 1-GPU DDP run through Fabric, exact
resume, and training throughput at the presets' real sizes. Writes cuda_check.json (after every
phase, so a time-out still leaves results) and cuda_check.md into --out.

    PYTHONPATH=src python3 scripts/cuda_check.py --out DIR [--data-root DIR] [--budget-s 540]
    python scripts/cuda_check.py --out DIR --dry        # the same code on the CPU, in seconds (tests, CI)

--data-root (MNIST in torchvision's layout) enables the throughput phase; without it that phase
is skipped with the reason. Phases run most important first; one that would start past the
budget is recorded as skipped. One recipe's failure is recorded with its error and the rest go on.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

try:
    import torch
    from lightning_fabric import Fabric  # noqa: F401  (ganforge trains through it)
except ImportError as err:  # the GPU image may lack the standalone lightning_fabric module
    sys.exit(f"cuda_check: {err}; install lightning-fabric (or carry its wheel) and run again")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from cuda_check_syncs import count_syncs  # noqa: E402  (beside this file)

import ganforge  # noqa: E402
from ganforge.config import deep_merge, to_sets  # noqa: E402
from ganforge.recipes.base import resolve_config  # noqa: E402
from ganforge.registry import RECIPES  # noqa: E402
from ganforge.training import loop  # noqa: E402
from ganforge.training.run import TrainingRun  # noqa: E402


class Check:
    """Phases with a time budget; results to JSON after each phase."""

    def __init__(self, out: Path, budget_s: float, dry: bool) -> None:
        self.out, self.budget_s, self.dry = out, budget_s, dry
        self.t0 = time.perf_counter()
        self.results: dict = {"started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                              "command": " ".join(sys.argv), "dry": dry, "phases": {}}

    def left(self) -> float:
        return self.budget_s - (time.perf_counter() - self.t0)

    def phase(self, name: str, fn, *, needs_s: float = 0.0):
        if self.left() < needs_s:
            self.results["phases"][name] = {"status": "skipped", "reason": f"time budget ({self.left():.0f} s left)"}
            print(f"[{name}] skipped: time budget", flush=True)
            self.save()
            return None
        print(f"[{name}] …", flush=True)
        t = time.perf_counter()
        try:
            value = fn()
            entry = {"status": "ok", "result": value}
        except Exception as err:  # a phase's failure is a finding, not the end of the check
            entry = {"status": "failed", "error": _error(err)}
        entry["seconds"] = round(time.perf_counter() - t, 1)
        self.results["phases"][name] = entry
        print(f"[{name}] {entry['status']} in {entry['seconds']} s", flush=True)
        self.save()
        return entry

    def save(self) -> None:
        self.results["elapsed_s"] = round(time.perf_counter() - self.t0, 1)
        (self.out / "cuda_check.json").write_text(json.dumps(self.results, indent=1, default=str))
        (self.out / "cuda_check.md").write_text(markdown(self.results))


def _error(err: BaseException) -> str:
    last = traceback.extract_tb(err.__traceback__)[-1] if err.__traceback__ else None
    where = f" ({Path(last.filename).name}:{last.lineno})" if last else ""
    return f"{type(err).__name__}: {str(err).strip().splitlines()[0][:300] if str(err).strip() else ''}{where}"


def tiny_sets(name: str, device: str, precision: str, *, compile_: bool = False) -> list[str]:
    over = deep_merge({"train": {"batch_size": 16}}, RECIPES.get(name).test_overrides)
    return to_sets(over) + [f"train.device={device}", f"train.precision={precision}", f"train.compile={str(compile_).lower()}",
                            "train.log_every=1", "train.sample_every=1000", "train.ckpt_every=1000"]


def train_steps(name: str, out: Path, sets: list[str], steps: int) -> dict:
    res = ganforge.train(name, out=out, steps=steps, set=sets, console=False)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line.strip()]
    timed = [r["sec_per_step"] for r in rows if r.get("sec_per_step") and r["step"] > 1]
    losses = {k: res["last"].get(k) for k in ("d_loss", "g_loss") if k in res["last"]}
    finite = all(v is not None and v == v and abs(v) != float("inf") for v in losses.values())
    return {"steps": res["step"], "ms_per_step": round(1e3 * min(timed), 2) if timed else None, "finite": finite,
            **{k: round(v, 4) for k, v in losses.items() if v is not None}}


def every_recipe(check: Check, names: list[str], device: str, precision: str, tmp: Path, *, compile_: bool) -> dict:
    out = {}
    per = 45.0 if compile_ else 5.0
    for name in names:
        if check.left() < per:
            out[name] = {"status": "skipped", "reason": "time budget"}
            continue
        t = time.perf_counter()
        try:
            r = train_steps(name, tmp / f"{name}-{'c' if compile_ else 'e'}", tiny_sets(name, device, precision,
                                                                                   compile_=compile_), 4)
            out[name] = {"status": "ok" if r["finite"] else "non-finite loss", **r}
        except Exception as err:
            out[name] = {"status": "failed", "error": _error(err)}
        out[name]["seconds"] = round(time.perf_counter() - t, 1)
        print(f"  {name:16s} {out[name]['status']} ({out[name]['seconds']} s)", flush=True)
    return out


def host_syncs(names: list[str], device: str, precision: str) -> dict:
    """Synchronising calls per training step (no logging in the counted steps), per recipe."""
    out = {}
    for name in names:
        try:
            cfg = resolve_config(name, sets=tiny_sets(name, device, precision))
            run = TrainingRun(cfg, RECIPES.get(name), loop.make_fabric(cfg))
            for s in range(2):  # warm-up (first-step allocations, lazy state)
                run.step(s, False)
            counts = count_syncs(lambda: [run.step(s, False) for s in range(2, 5)], cuda=device == "cuda")
            out[name] = {k: round(v / 3, 2) for k, v in counts.items()}
        except Exception as err:
            out[name] = {"error": _error(err)}
    return out


def ddp_one_device(device: str, tmp: Path) -> dict:
    """ganforge.train with Fabric's DDP strategy forced on one device (NCCL on CUDA, gloo on CPU)."""
    from lightning_fabric import Fabric

    real = loop.make_fabric

    def ddp_fabric(cfg):
        fabric = real(cfg)
        return Fabric(accelerator=fabric.accelerator, devices=1, strategy=loop.ddp_strategy(),
                      precision=cfg.train.precision if cfg.train.precision not in ("32", "32-true") else "32-true")

    loop.make_fabric = ddp_fabric
    try:
        sets = tiny_sets("dcgan", device, "bf16-mixed" if device == "cuda" else "32") + ["train.ckpt_every=3"]
        res = ganforge.train("dcgan", out=tmp / "ddp", steps=3, set=sets, console=False)
        strategy = type(ddp_fabric(resolve_config("dcgan", sets=sets)).strategy).__name__
    finally:
        loop.make_fabric = real
    return {"steps": res["step"], "strategy": strategy, "d_loss": res["last"].get("d_loss")}


def exact_resume(device: str, tmp: Path) -> dict:
    """N steps at once against N/2 + --resume to N: the largest weight difference per recipe."""
    from ganforge.training.checkpoint import latest_checkpoint, load_checkpoint

    out = {}
    for name in ("gan", "dcgan"):
        sets = tiny_sets(name, device, "32") + ["train.ckpt_every=3"]
        ganforge.train(name, out=tmp / f"once-{name}", steps=6, set=sets, console=False)
        ganforge.train(name, out=tmp / f"twice-{name}", steps=3, set=sets, console=False)
        ganforge.train(name, out=tmp / f"twice-{name}", steps=6, resume=True, console=False)
        a = load_checkpoint(latest_checkpoint(tmp / f"once-{name}"))
        b = load_checkpoint(latest_checkpoint(tmp / f"twice-{name}"))
        diff = max((a[n][k].float() - b[n][k].float()).abs().max().item() for n in ("G", "D") for k in a[n])
        out[name] = {"max_abs_diff": diff, "bitwise": diff == 0.0}
    return out


def throughput(device: str, data_root: str | None, dry: bool, tmp: Path) -> dict:
    """Images per second of the presets at their real size on MNIST: fp32, bf16-mixed, bf16+compile."""
    out = {}
    variants = [("32", False), ("bf16-mixed", False), ("bf16-mixed", True)]
    for name, steps in (("gan", 300), ("dcgan", 100), ("wgan-gp", 60)):
        for precision, comp in variants[: 1 if dry else None]:
            key = f"{name} {precision}{'+compile' if comp else ''}"
            sets = [f"train.device={device}", f"train.precision={precision}", f"train.compile={str(comp).lower()}",
                    f"train.log_every={max(1, steps // 10)}", f"train.sample_every={steps}", f"train.ckpt_every={steps}"]
            n = 3 if dry else steps
            try:
                res = ganforge.train(name, data="mnist", data_root=data_root, out=tmp / f"tp-{key.replace(' ', '_')}",
                                     steps=n, set=sets, console=False)
                rows = [json.loads(x) for x in (tmp / f"tp-{key.replace(' ', '_')}" / "metrics.jsonl").read_text().splitlines()]
                sec = [r["sec_per_step"] for r in rows if r.get("sec_per_step")][1:] or [rows[-1]["sec_per_step"]]
                cfg = resolve_config(name, sets=sets, overrides={"data": {"name": "mnist"}})
                mean = sum(sec) / len(sec)
                out[key] = {"ms_per_step": round(1e3 * mean, 2), "images_per_s": round(cfg.train.batch_size * cfg.d_steps / mean),
                            "steps": res["step"]}
            except Exception as err:
                out[key] = {"error": _error(err)}
            print(f"  {key:28s} {out[key]}", flush=True)
    return out


def markdown(r: dict) -> str:
    env = r.get("env", {})
    lines = [f"# CUDA check — {r['started']}", "",
             f"- machine: {env.get('device_name', '?')}; torch {env.get('torch')}; CUDA {env.get('cuda')}; "
             f"Python {env.get('python')}; {'dry run on the CPU' if r['dry'] else 'GPU run'}",
             f"- command: `{r['command']}`", f"- elapsed: {r.get('elapsed_s')} s", ""]
    ph = r["phases"]
    eager = (ph.get("recipes_eager") or {}).get("result") or {}
    comp = (ph.get("recipes_compiled") or {}).get("result") or {}
    syncs = (ph.get("host_syncs") or {}).get("result") or {}
    if eager or comp:
        prec = env.get("precision", "bf16-mixed")
        lines += [f"| recipe | {prec} eager | ms/step | {prec} + compile | ms/step | host syncs per step |",
                  "|---|---|---|---|---|---|"]
        for name in sorted(set(eager) | set(comp)):
            e, c, s = eager.get(name, {}), comp.get(name, {}), syncs.get(name, {})
            sy = s.get("error") or ", ".join(f"{k} {v}" for k, v in s.items()) or "–"
            lines.append(f"| {name} | {e.get('status', '–')} {e.get('error', '')} | {e.get('ms_per_step', '–')} | "
                         f"{c.get('status', '–')} {c.get('error', c.get('reason', ''))} | {c.get('ms_per_step', '–')} | {sy} |")
        lines.append("")
    for name in ("ddp_one_device", "exact_resume", "throughput"):
        p = ph.get(name)
        if p:
            lines.append(f"**{name}**: {p['status']} ({p.get('seconds', 0)} s) — "
                         f"`{json.dumps(p.get('result', p.get('error', p.get('reason'))), default=str)}`")
            lines.append("")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--dry", action="store_true", help="the same code on the CPU with the smallest settings")
    ap.add_argument("--budget-s", type=float, default=540.0)
    ap.add_argument("--recipes", default="", help="comma-separated (default: every registered recipe)")
    ap.add_argument("--data-root", help="MNIST in torchvision's layout, for the throughput phase")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    device = "cpu" if args.dry else "cuda"
    if device == "cuda" and not torch.cuda.is_available():
        sys.exit("cuda_check: no CUDA device visible; use --dry for the CPU rehearsal")
    precision = "32" if args.dry else "bf16-mixed"
    names = [n for n in args.recipes.split(",") if n] or RECIPES.names()
    check = Check(out, args.budget_s, args.dry)
    check.results["env"] = {"torch": torch.__version__, "cuda": torch.version.cuda, "python": platform.python_version(),
                            "device_name": torch.cuda.get_device_name(0) if device == "cuda" else platform.processor() or "CPU",
                            "precision": precision, "recipes": names}
    torch.backends.cudnn.benchmark = False
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        check.phase("recipes_eager", lambda: every_recipe(check, names, device, precision, tmp, compile_=False))
        check.phase("host_syncs", lambda: host_syncs(names, device, precision), needs_s=20)
        check.phase("ddp_one_device", lambda: ddp_one_device(device, tmp), needs_s=15)
        check.phase("exact_resume", lambda: exact_resume(device, tmp), needs_s=15)
        if args.data_root:
            check.phase("throughput", lambda: throughput(device, args.data_root, args.dry, tmp), needs_s=0 if args.dry else 60)
        else:
            check.results["phases"]["throughput"] = {"status": "skipped", "reason": "no --data-root holding MNIST/raw"}
        if not args.dry:
            check.phase("recipes_compiled", lambda: every_recipe(check, names, device, precision, tmp, compile_=True),
                        needs_s=45)
    check.save()
    failed = [k for k, v in check.results["phases"].items() if v["status"] == "failed"]
    print(f"wrote {out / 'cuda_check.md'}" + (f"; failed phases: {', '.join(failed)}" if failed else ""))


if __name__ == "__main__":
    main()
