"""The loop's one hook for health: at the log steps where an evaluation is due it measures the run
(with the evaluator it is given: ``ganforge.metrics.in_training``), reads a state and advice from the rows (``health.py``), prints a changed
state, keeps the best checkpoint (``checkpoints/best``) and decides ``train.stop_when``.

``at_log(step)`` returns what the log record of that step gains (nothing when no evaluation is
due); ``stop`` then holds the reason to stop, if any. ``state_dict`` goes into every checkpoint,
so a resumed run continues the same detector, best value and evaluation schedule.
"""

from __future__ import annotations

import math
from typing import Callable

from ..errors import GanforgeError
from .health import HealthTracker, check_eval_config, parse_stop_when, stop_reason

AUTO_EVALS = 10  # evaluations per run with train.eval_every=auto ...
AUTO_MIN_GAP = 500  # ... at least this many steps apart (a run shorter than this is not evaluated) ...
COST_SHARE = 0.05  # ... and spaced wider after the first one where it cost more than this share of training time
LOSS_KEYS = ("d_loss", "g_loss", "d_real", "d_fake", "sec_per_step")  # the recent stats the row reads


def eval_interval(run, evaluation) -> int:
    """Steps between evaluations for this run (0: none)."""
    t = run.cfg.train
    why = "this caller trains without an evaluator" if evaluation is None else evaluation.unavailable(run)
    if t.eval_every == "auto":
        return max(t.steps // AUTO_EVALS, AUTO_MIN_GAP) if why is None and t.steps >= AUTO_MIN_GAP else 0
    if t.eval_every and why is not None:
        raise GanforgeError(f"train.eval_every={t.eval_every}: {why}; set train.eval_every=0")
    return int(t.eval_every)


class HealthHook:
    def __init__(self, run, evaluation, *, save_best: Callable[[int], None], message: Callable[[str], None],
                 broadcast: Callable | None = None) -> None:
        """``evaluation``: what measures the run (``ganforge.metrics.in_training``: ``unavailable(run)``
        and ``Evaluator(run, n).measure(step)``), or None (no evaluation)."""
        self.run, self.evaluation, self.save_best, self.message, self.broadcast = run, evaluation, save_best, message, broadcast
        t = run.cfg.train
        check_eval_config(t)
        self.every = eval_interval(run, evaluation)
        self.adapt = t.eval_every == "auto"  # until the first evaluation has been timed
        self.rule = parse_stop_when(t.stop_when)
        self.tracker = HealthTracker()
        self.last_eval = 0
        self.recent: list[dict] = []  # loss records since the last evaluation
        self.evaluator = None  # built at the first evaluation (held-out features once per run)
        self.stop: str | None = None

    def _due(self, step: int) -> bool:
        if not self.every or step <= self.last_eval:
            return False
        return step // self.every > self.last_eval // self.every or step == self.run.cfg.train.steps

    def at_log(self, step: int) -> dict:
        """Called at every log step by every rank; the evaluation's row (rank 0), else {}."""
        if not self._due(step):
            return {}
        self.last_eval = step
        row: dict = {}
        if self.run.is_main:
            row = self._evaluate(step)
        if self.broadcast is not None:
            self.stop = self.broadcast(self.stop, src=0)
        return row

    def remember(self, record: dict) -> None:
        """A flushed log record: its losses join the trend the next evaluation reports."""
        self.recent = (self.recent + [{k: record[k] for k in LOSS_KEYS if k in record}])[-50:]

    def _evaluate(self, step: int) -> dict:
        if self.evaluator is None:
            self.evaluator = self.evaluation.Evaluator(self.run, self.run.cfg.train.eval_samples)
        recent, self.recent = self.recent, []
        row = {"step": step, **self.evaluator.measure(step), **_trend(recent)}
        before = self.tracker.last_state
        state, improved = self.tracker.add(row)
        if improved:
            self.save_best(step)
        if state != before:
            self.message(f"health at step {step:,}: {state} — {row['advice']}")
        self.stop = stop_reason(self.tracker, self.rule)
        if self.adapt:
            self._space_out(row, recent)
        return {k: v for k, v in row.items() if k not in ("step", "finite")}

    def _space_out(self, row: dict, recent: list[dict]) -> None:
        """auto: once, from the first evaluation's cost, widen the interval (by a whole factor) so that
        evaluations take at most COST_SHARE of the training time; fixed from then on (checkpointed)."""
        sec = [r["sec_per_step"] for r in recent if isinstance(r.get("sec_per_step"), (int, float))]
        if not sec or not row.get("eval_seconds"):
            return
        share = row["eval_seconds"] / (self.every * sum(sec) / len(sec))
        if share > COST_SHARE:
            self.every *= math.ceil(share / COST_SHARE)
            self.message(f"evaluations every {self.every:,} steps: one takes {row['eval_seconds']:.1f} s "
                         f"({share:.0%} of the training time between two at train.eval_every=auto's first interval)")
        self.adapt = False

    def state_dict(self) -> dict:
        return {"tracker": self.tracker.state_dict(), "last_eval": self.last_eval, "every": self.every,
                "adapt": self.adapt, "recent": [dict(r) for r in self.recent]}

    def load_state_dict(self, state: dict | None) -> None:
        if not state:
            return
        self.tracker.load_state_dict(state.get("tracker", {}))
        self.last_eval = int(state.get("last_eval", 0))
        if self.run.cfg.train.eval_every == "auto":  # the schedule the run started with, whatever --steps is now
            self.every = int(state.get("every", self.every))
            self.adapt = bool(state.get("adapt", self.adapt))
        self.recent = [dict(r) for r in state.get("recent", [])]


def _trend(records: list[dict]) -> dict:
    """Mean losses over the first and the second half of the records since the last evaluation
    (the loss trend beside the evaluation; None where too few)."""
    out: dict = {}
    if len(records) < 2:
        return out
    half = len(records) // 2
    for key in ("d_loss", "g_loss"):
        first = [r[key] for r in records[:half] if isinstance(r.get(key), (int, float))]
        second = [r[key] for r in records[half:] if isinstance(r.get(key), (int, float))]
        if first and second:
            out[f"{key}_trend"] = sum(second) / len(second) - sum(first) / len(first)
    return out
