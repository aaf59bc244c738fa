"""What the benchmarks that train a preset per row and write a results page share: running a row's
training and its `ganforge eval`, the rows saved so far, the last sample grid, portable commands."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path


def train_and_eval(out: Path, train_args: list[str], eval_args: list[str] | None = None, *, reuse: bool = False,
                   cards_name: str = "eval.jsonl") -> tuple[float, list[dict], list[dict]]:
    """Train ``ganforge train *train_args --out OUT`` (or, with ``reuse``, take the run already in OUT and its
    training time from its log), then ``ganforge eval OUT *eval_args`` into OUT/<cards_name> (not with
    ``eval_args`` None). Returns the training seconds, the eval cards and the run's metrics.jsonl records."""
    reuse = reuse and (out / "metrics.jsonl").is_file()
    if out.exists() and not reuse:
        shutil.rmtree(out)
    t0 = time.time()
    if reuse:  # the training time from the log: steps × seconds per step
        logged = read_jsonl(out / "metrics.jsonl")
        steps = [0] + [r["step"] for r in logged]
        t0 -= sum(r.get("sec_per_step", 0) * (s - prev) for r, s, prev in zip(logged, steps[1:], steps))
    else:
        subprocess.run([sys.executable, "-m", "ganforge.cli", "train", *train_args, "--out", str(out)], check=True,
                       stdout=subprocess.DEVNULL)
    train_s = time.time() - t0
    if eval_args is None:
        return train_s, [], read_jsonl(out / "metrics.jsonl")
    cards_path = out / cards_name
    cards_path.unlink(missing_ok=True)  # cards are appended: one evaluation per row
    subprocess.run([sys.executable, "-m", "ganforge.cli", "eval", str(out), *eval_args, "--out", str(cards_path)],
                   check=True, stdout=subprocess.DEVNULL)
    return train_s, read_jsonl(cards_path), read_jsonl(out / "metrics.jsonl")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def mean_ms_per_step(records: list[dict]) -> float:
    """Mean training ms per step over the log records after the first (which carries start-up)."""
    steps = [r for r in records if "sec_per_step" in r]
    return round(1000 * sum(r["sec_per_step"] for r in steps[1:]) / max(len(steps) - 1, 1), 1)


def grid_of(run: Path) -> Path | None:
    grids = sorted((run / "samples").glob("*.png"))
    return grids[-1] if grids else None


def grid_link(run: Path, images: Path, name: str, rel: str) -> str:
    """Copy the run's last grid to IMAGES/NAME.png (where the run is gone, the grid copied before stays); its
    markdown link (REL: that folder from docs/results/), or –."""
    grid = grid_of(run)
    if grid is not None:
        shutil.copy(grid, images / f"{name}.png")
    elif not (images / f"{name}.png").is_file():
        return "–"
    return f"[grid]({rel}/{name}.png)"


def notes_and_commands(results: dict, rows) -> list[str]:
    """A results page's tail: each measured row's note, then its portable command."""
    notes = [f"- `{n}`: {results[n]['note']}" for n in rows if results.get(n, {}).get("note")]
    return (["", *notes] if notes else []) + ["", "Commands (DATA is the data root):", ""] + [
        f"    {portable(results[n]['command'])}" for n in rows if n in results]


def measure_row(name: str, out: Path, run) -> None:
    """Train and measure one row (``run()`` → its figures), dated, into OUT/NAME/result.json, and print it."""
    import datetime

    print(f"{name}: training", flush=True)
    result = {**run(), "date": str(datetime.date.today()), "machine": this_machine()}
    (out / name / "result.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result), flush=True)


def load_results(out: Path, saved: Path | None = None) -> dict:
    """Every row measured so far: the rows SAVED beside the results page (a JSON file kept in the repository, so
    that a fresh clone rewrites the page without the run folders), then OUT/results.json, then each
    OUT/<row>/result.json (one per row, so that two invocations may run side by side). The merged rows are
    written back to SAVED."""
    results = json.loads(saved.read_text()) if saved is not None and saved.is_file() else {}
    path = out / "results.json"
    results.update(json.loads(path.read_text()) if path.is_file() else {})
    for row in sorted(out.glob("*/result.json")):
        results[row.parent.name] = json.loads(row.read_text())
    if saved is not None:
        saved.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    return results


def portable(command: str) -> str:
    """A row's command without this machine's paths."""
    command = re.sub(r"--data-root \S+", "--data-root DATA", command)
    command = re.sub(r"--data \S+/faces/att_faces", "--data DATA/faces/att_faces", command)
    return re.sub(r"--out (\S+)", lambda m: "--out runs/" + "/".join(Path(m[1]).parts[-2:]), command)


def _cpuinfo(key: str) -> str:
    """The first value of KEY in /proc/cpuinfo ("" where there is none, or no such file)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key:
                return value.strip()
    except OSError:
        pass
    return ""


def cpu_model() -> str:
    """The CPU's model name, e.g. "Intel(R) Xeon(R) Processor"."""
    import platform

    return _cpuinfo("model name") or platform.processor() or "unknown"


def this_machine() -> str:
    """This machine in words, as the pages name it: "a 2-core Intel Xeon without AMX, no GPU"."""
    import os

    import torch

    model = cpu_model()
    for vendor, short in (("AMD EPYC", "AMD EPYC"), ("Intel(R) Xeon(R)", "Intel Xeon"), ("Intel", "Intel")):
        if vendor in model:
            model = short
            break
    amx = "with AMX" if "amx_tile" in _cpuinfo("flags").split() else "without AMX"
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"a {os.cpu_count()}-core {model} {amx}, {gpu}"


def dated(r: dict, page_machine: str) -> str:
    """A row's date, and its machine where that differs from the page's (a row that records none ran on the
    page's machine)."""
    machine = r.get("machine", page_machine)
    return r["date"] if machine == page_machine else f"{r['date']}, {machine}"


def torch_version() -> str:
    import torch

    return torch.__version__


def row_arguments(ap, *, out: str | None, only: str, machine: str = "a 2-core AMD EPYC without AMX, no GPU") -> None:
    """The options of a benchmark that trains and measures one row at a time."""
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--out", default=out)
    ap.add_argument("--only", default=None, help=f"Comma-separated rows, e.g. {only}.")
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--set", dest="sets", action="append", default=[], help="Extra config for every row.")
    ap.add_argument("--machine", default=machine)
    ap.add_argument("--write-only", action="store_true")
    ap.add_argument("--reuse", action="store_true", help="Evaluate a row's run already in OUT instead of training it.")
