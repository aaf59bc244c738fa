"""Statistics leave training through ``Reporter``: tensors are summed on the device every
step and brought to the host once per log interval (one sync), then written to the sinks:
``metrics.jsonl`` always, the console (a progress bar on a terminal, plain lines otherwise),
TensorBoard when installed and asked for."""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Callable

import torch
from torch import Tensor

from ..run_dir import run_path


class Reporter:
    def __init__(self, run_dir: Path | None, *, total_steps: int, start_step: int, enabled: bool,
                 all_reduce: Callable[[Tensor], Tensor] | None = None, console: bool = True,
                 device: torch.device | None = None, sinks: list | None = None) -> None:
        self.enabled = enabled
        self.sinks = sinks or []  # more places records and grids go (TensorBoard): record(), image(), close()
        self.device = device  # where the sums live (the training device: all_reduce runs there)
        self.all_reduce = all_reduce
        self.total, self.start = total_steps, start_step
        self.sums: dict[str, Tensor] = {}
        self.counts: dict[str, int] = {}
        self.file = open(run_path(run_dir, "metrics.jsonl"), "a") if (enabled and run_dir) else None
        self.t_last = time.perf_counter()
        self.step_last = start_step
        self.tty = console and enabled and sys.stderr.isatty()
        self.console = console and enabled
        self.bar = None
        if self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total_steps, initial=start_step, unit="step", dynamic_ncols=True)

    def add(self, stats: dict[str, Tensor | list[Tensor]]) -> None:
        """Accumulate detached scalars (one value or a list per name); no host sync. A sum stays
        where its values are: numbers reported from the host (a schedule's progress) are summed on
        the host and meet the device's sums once, at the flush, instead of being copied every step."""
        for key, values in stats.items():
            for value in values if isinstance(values, list) else [values]:
                value = value.detach().float()
                total = self.sums.get(key)
                if total is None:
                    self.sums[key] = value.clone()
                    self.counts[key] = 1
                    continue
                if total.device != value.device:  # one name reported from both sides: sum on the device
                    device = self.device if self.device is not None else value.device
                    total, value = total.to(device), value.to(device)
                    self.sums[key] = total
                total += value
                self.counts[key] += 1

    def tick(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def flush(self, step: int, extra: dict | None = None) -> dict:
        """Means since the last flush → one record (all ranks must call this under DDP)."""
        keys = sorted(self.sums)
        record: dict = {"step": step}
        if keys:
            means = [self.sums[k] / self.counts[k] for k in keys]
            away = [i for i, m in enumerate(means) if self.device is not None and m.device != self.device]
            if away:  # the host's sums reach the device in one copy
                moved = torch.stack([means[i] for i in away]).to(self.device)
                for j, i in enumerate(away):
                    means[i] = moved[j]
            means = torch.stack(means)
            if self.all_reduce is not None:
                means = self.all_reduce(means)
            record.update({k: _clean(v) for k, v in zip(keys, means.tolist())})
        now = time.perf_counter()
        n = max(step - self.step_last, 1)
        record["sec_per_step"] = (now - self.t_last) / n
        self.t_last, self.step_last = now, step
        record.update(extra or {})
        self.sums.clear()
        self.counts.clear()
        if self.enabled:
            if self.file:
                self.file.write(json.dumps(record) + "\n")
                self.file.flush()
            for sink in self.sinks:
                sink.record(record)
            self._console(record)
            if isinstance(record.get("warning"), str):
                self.message(f"warning at step {step}: {record['warning']}")
        return record

    def _console(self, r: dict) -> None:
        if not self.console:
            return
        parts = [f"{k}={_number(r[k])}" for k in ("d_loss", "g_loss", "value", "d_real", "d_fake") if k in r]
        if self.bar is not None:
            self.bar.set_postfix_str(" ".join(parts), refresh=False)
            return
        rate = 1.0 / r["sec_per_step"] if r["sec_per_step"] > 0 else float("inf")
        eta = (self.total - r["step"]) * r["sec_per_step"]
        print(f"step {r['step']}/{self.total} " + " ".join(parts) + f" | {rate:.1f} step/s, eta {eta:.0f}s",
              flush=True)

    def image(self, step: int, path: Path) -> None:
        """A sample grid was written to ``path``: hand it to the sinks that take pictures."""
        if self.enabled:
            for sink in self.sinks:
                sink.image(step, path)

    def message(self, text: str) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.write(text)
        else:
            print(text, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.file:
            self.file.close()
        for sink in self.sinks:
            sink.close()


def _number(v: float | None) -> str:
    """A record's value for the console; None stands for NaN/inf (JSON has neither)."""
    return "nan" if v is None else f"{v:.4g}"


def _clean(v: float) -> float | None:
    return None if (math.isnan(v) or math.isinf(v)) else v


def read_metrics(run_dir: str | Path) -> list[dict]:
    """metrics.jsonl as a list of records, later records winning for a repeated step (a resumed run)."""
    path = Path(run_dir) / "metrics.jsonl"
    if not path.is_file():
        return []
    by_step: dict[int, dict] = {}
    for line in path.read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            by_step[int(r["step"])] = r
    return [by_step[s] for s in sorted(by_step)]


def mean_sec_per_step(records: list[dict], *, after_step: int = 0) -> float:
    """Mean of the records' sec_per_step past ``after_step`` (warm-up excluded)."""
    timed = [r["sec_per_step"] for r in records if r["step"] > after_step]
    if not timed:
        raise ValueError(f"no timed records after step {after_step}")
    return sum(timed) / len(timed)

