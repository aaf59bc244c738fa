"""Is the GAN healthy? A state and a sentence of advice from the in-training evaluations.

Pure functions of evaluation rows (dicts as written to ``metrics.jsonl``), so every rule can be
tested on made-up numbers. A row holds what ``metrics/in_training.py`` measures: ``fid``,
``precision``, ``recall``, ``spread`` and ``pixel_spread`` (the samples' over held-out reals'),
``classes_covered`` / ``classes_covered_ref``, ``memorised`` / ``memorised_ref``,
``d_overfit_gap``, ``r_t_train`` / ``r_t_heldout``, and ``finite`` (False when G's samples held
NaN/inf). Any of them may be missing (None): a rule whose numbers are missing does not fire.

States, checked in this order (the first that fires wins):

- ``diverging``: samples not finite; or one image whatever z (pixel spread below
  ``diverge_constant`` × held-out reals': G's output saturated); or FID at least
  ``diverge_ratio`` × the best FID so far at this evaluation and the one before (a sustained rise,
  not one noisy reading);
- ``mode_collapse``: the samples' spread in pixels below ``collapse_pixel_spread`` × that of
  held-out reals (``pixel_spread``: G draws nearly the same image; an early G's blobs vary more)
  at this evaluation and the one before (the 2014 gan on digits draws one image at step 500, its
  start from the data's mean image, and varied digits by 2,500), while D holds training reals and
  fakes at least ``collapse_separation`` standard deviations apart (``d_separation``: a G that
  has not moved while D is at chance has not collapsed);
  or diversity lost that the run had: the spread in feature space below ``collapse_spread`` × that
  of held-out reals and at most ``collapse_drop`` × its largest earlier value; or, with precision
  at least ``collapse_precision`` (samples that look like data), recall below ``collapse_recall``
  after it had been twice that, and at most ``collapse_drop`` × its best; or samples that look like
  data but never spread out: precision at least ``narrow_precision``, recall below ``narrow_recall``
  and the classifier's classes at most ``narrow_classes`` of the held-out reals', at this
  evaluation and the one before (the class count alone decides nothing: it read EBGAN's
  grey-backed, varied digits as two classes); or, for a conditional G, samples that look like data
  (precision at least ``narrow_precision``) whose spread within each class asked for, averaged over
  classes (``class_spread``), is below ``class_collapse_spread`` × held-out reals' of that class, at
  this evaluation and the one before (one image per class: the overall spread stays high);
- ``memorising``: a share of samples that are near-copies of training images at least
  ``memo_share`` and ``memo_ratio`` × the share among held-out reals;
- ``d_overfit``: D scores held-out reals at least ``overfit_gap`` of the way from training reals
  to fakes (``d_overfit_gap``; ADA's r_t on both sets is in the row to read beside it);
- ``stalled``: no FID improvement of ``stall_gain`` over the last ``stall_evals`` evaluations
  while precision is below ``stall_precision`` (samples still unlike the data);
- ``healthy`` otherwise.

Where each threshold comes from is in docs/health.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

STATES = ("healthy", "mode_collapse", "d_overfit", "memorising", "diverging", "stalled")

THRESHOLDS = {
    "diverge_ratio": 2.0,
    "diverge_constant": 0.01,
    "collapse_recall": 0.1,
    "collapse_precision": 0.5,
    "collapse_spread": 0.5,
    "collapse_pixel_spread": 0.45,
    "collapse_separation": 1.0,
    "collapse_drop": 0.6,
    "narrow_recall": 0.05,
    "narrow_precision": 0.4,
    "narrow_classes": 0.3,
    "class_collapse_spread": 0.6,
    "memo_share": 0.2,
    "memo_ratio": 3.0,
    "overfit_gap": 0.5,
    "stall_gain": 0.1,
    "stall_evals": 3,
    "stall_precision": 0.3,
}


def _num(row: dict, key: str) -> float | None:
    """A finite number, or None (missing, NaN/inf, or null: how metrics.jsonl writes NaN)."""
    v = row.get(key)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def _most(rows: list[dict], key: str) -> float:
    """The largest value of ``key`` over ``rows`` (0 when there is none)."""
    return max((v for r in rows if (v := _num(r, key)) is not None), default=0.0)


def best_fid(rows: list[dict]) -> tuple[float | None, int | None]:
    """(lowest FID, its step) over ``rows``."""
    scored = [(r["fid"], r["step"]) for r in rows if _num(r, "fid") is not None]
    return min(scored) if scored else (None, None)


def diagnose(rows: list[dict], t: dict = THRESHOLDS) -> str:
    """The state of the latest of ``rows`` (evaluation rows, oldest first), read with its history."""
    row = rows[-1]
    if row.get("finite") is False or (_num(row, "fid") is None and "fid" in row):
        return "diverging"
    pixels = _num(row, "pixel_spread")
    if pixels is not None and pixels < t["diverge_constant"]:
        return "diverging"
    fid, best = _num(row, "fid"), best_fid(rows[:-1])[0]
    if fid is not None and best is not None and len(rows) >= 3:
        before = _num(rows[-2], "fid")
        if fid >= t["diverge_ratio"] * best and before is not None and before >= t["diverge_ratio"] * best:
            return "diverging"
    precision, recall, spread = _num(row, "precision"), _num(row, "recall"), _num(row, "spread")
    lost = t["collapse_drop"]  # a collapse loses diversity the run had: early training has little yet
    separated, before = _num(row, "d_separation"), _num(rows[-2], "pixel_spread") if len(rows) > 1 else None
    if pixels is not None and pixels < t["collapse_pixel_spread"] and before is not None \
            and before < t["collapse_pixel_spread"] and (separated is None or separated >= t["collapse_separation"]):
        return "mode_collapse"
    if spread is not None and spread < t["collapse_spread"] and spread <= lost * _most(rows[:-1], "spread"):
        return "mode_collapse"
    looks_real = precision is not None and precision >= t["collapse_precision"]
    if looks_real and recall is not None and recall < t["collapse_recall"] \
            and recall <= lost * _most(rows[:-1], "recall") and _most(rows[:-1], "recall") >= 2 * t["collapse_recall"]:
        return "mode_collapse"
    if len(rows) > 1 and all(_narrow(r, t) or _one_per_class(r, t) for r in rows[-2:]):
        return "mode_collapse"
    memo, memo_ref = _num(row, "memorised"), _num(row, "memorised_ref")
    if memo is not None and memo >= t["memo_share"] and memo >= t["memo_ratio"] * (memo_ref or 0.0):
        return "memorising"
    gap = _num(row, "d_overfit_gap")
    if gap is not None and gap >= t["overfit_gap"]:
        return "d_overfit"
    n = int(t["stall_evals"])
    if len(rows) > n and fid is not None and precision is not None and precision < t["stall_precision"]:
        earlier = best_fid(rows[:-n])[0]
        recent = best_fid(rows[-n:])[0]
        if earlier is not None and recent is not None and recent > (1 - t["stall_gain"]) * earlier:
            return "stalled"
    return "healthy"


def _narrow(row: dict, t: dict) -> bool:
    """Samples that look like data (precision) but only a few kinds of it: recall near 0 and at most
    ``narrow_classes`` of the classes held-out reals cover (a G that never spread out)."""
    precision, recall = _num(row, "precision"), _num(row, "recall")
    classes, classes_ref = _num(row, "classes_covered"), _num(row, "classes_covered_ref")
    return None not in (precision, recall, classes, classes_ref) and precision >= t["narrow_precision"] \
        and recall < t["narrow_recall"] and classes <= t["narrow_classes"] * classes_ref


def _one_per_class(row: dict, t: dict) -> bool:
    """A conditional G that draws about one image per class: samples that look like data (precision at least
    ``narrow_precision``, as for samples that never spread out) whose
    spread within the class asked for is below ``class_collapse_spread`` × held-out reals' of that class,
    averaged over classes (``class_spread``; the samples as a whole still span every class)."""
    precision, within = _num(row, "precision"), _num(row, "class_spread")
    return None not in (precision, within) and precision >= t["narrow_precision"] \
        and within < t["class_collapse_spread"]


def advice(state: str, rows: list[dict], best_step: int | None) -> str:
    """One sentence a user can act on, naming the step and the best checkpoint so far."""
    row = rows[-1]
    step = f"step {row['step']:,}"
    best = (f"the best checkpoint so far is step {best_step:,} (checkpoints/best)" if best_step is not None
            else "no checkpoint has been measured yet")
    f = {k: _num(row, k) for k in ("fid", "precision", "recall", "memorised", "memorised_ref", "r_t_train",
                                    "r_t_heldout", "classes_covered", "classes_covered_ref")}
    if state == "diverging":
        constant = (_num(row, "pixel_spread") or 1.0) < THRESHOLDS["diverge_constant"]
        what = ("G's samples hold NaN/inf" if row.get("finite") is False or f["fid"] is None
                else "G draws one and the same image whatever z (its output saturated)" if constant
                else f"FID rose to {f['fid']:.3g}, over {THRESHOLDS['diverge_ratio']:g}× its best")
        return f"{what} at {step}: the run is diverging; lower the learning rates (opt.G.lr, opt.D.lr); {best}."
    if state == "mode_collapse":
        spread, within = _num(row, "pixel_spread"), _num(row, "class_spread")
        classes = (f"; the classifier finds {f['classes_covered']:.0f} of {f['classes_covered_ref']:.0f} classes"
                   if f["classes_covered"] is not None and f["classes_covered_ref"] else "")
        if spread is not None and spread < THRESHOLDS["collapse_pixel_spread"]:
            what = f"G's samples are nearly alike (their spread is {spread:.2f} of held-out reals')"
        elif within is not None and within < THRESHOLDS["class_collapse_spread"]:  # the class steers G, z hardly
            return (f"G draws nearly one image per class, whatever z (the spread within a class is {within:.2f} of "
                    f"held-out reals', class {row.get('class_spread_worst')} the lowest at "
                    f"{_num(row, 'class_spread_min') or 0:.2f}){classes} at {step}: mode collapse within each class; "
                    f"G has learnt to ignore z: constrain G's first layer less (spectral norm on SAGAN's z layer did "
                    f"this, docs/health.md); {best}.")
        else:
            what = f"G's samples cover little of the data (recall {f['recall'] or 0:.2f})"
        return (f"{what}{classes} at {step}: mode collapse; lower G's learning rate or raise D's regularisation "
                f"(e.g. a larger d_penalties.r1 weight than the run's); {best}.")
    if state == "memorising":
        return (f"{f['memorised']:.0%} of samples are near-copies of training images (held-out reals: "
                f"{f['memorised_ref'] or 0:.0%}) at {step}: G memorises; use more images or augmentation, or stop "
                f"here; {best}.")
    if state == "d_overfit":
        rt = f" (r_t {f['r_t_train']:.2f} on training reals, {f['r_t_heldout']:.2f} on held-out)" \
            if f["r_t_train"] is not None and f["r_t_heldout"] is not None else ""
        return (f"D scores held-out reals like fakes{rt} at {step}: D overfits its training set; add data or "
                f"augmentation (DiffAugment, ADA) or raise D's regularisation; {best}.")
    if state == "stalled":
        return (f"FID has improved by less than {THRESHOLDS['stall_gain']:.0%} over {THRESHOLDS['stall_evals']} "
                f"evaluations and precision is "
                f"{f['precision']:.2f} at {step}: training has stalled; check the learning rates and D's "
                f"balance (d_real, d_fake), or stop; {best}.")
    fid = f" FID {f['fid']:.3g}" if f["fid"] is not None else ""
    return f"healthy at {step}:{fid}; {best}."


@dataclass
class HealthTracker:
    """What the detector remembers across evaluations (checkpointed, so a resume continues it):
    the evaluation rows, the best FID and its step, the count of consecutive unhealthy states and
    of evaluations without a new best."""

    rows: list[dict] = field(default_factory=list)
    best: float | None = None
    best_step: int | None = None
    unhealthy_streak: int = 0
    since_best: int = 0

    KEEP = 20  # rows kept: the detector reads a few evaluations back

    def add(self, row: dict, t: dict = THRESHOLDS) -> tuple[str, bool]:
        """Add one evaluation row; returns (state, whether it is the best so far). Sets the row's
        ``health``, ``advice``, ``best_step`` and ``best_fid``."""
        self.rows = (self.rows + [row])[-self.KEEP:]
        state = diagnose(self.rows, t)
        fid = _num(row, "fid")
        improved = fid is not None and state != "diverging" and (self.best is None or fid < self.best)
        if improved:
            self.best, self.best_step, self.since_best = fid, int(row["step"]), 0
        else:
            self.since_best += 1
        self.unhealthy_streak = self.unhealthy_streak + 1 if state != "healthy" else 0
        row.update(health=state, advice=advice(state, self.rows, self.best_step), best_step=self.best_step,
                   best_fid=self.best)
        return state, improved

    @property
    def last_state(self) -> str | None:
        return self.rows[-1].get("health") if self.rows else None

    def state_dict(self) -> dict:
        return {"rows": [dict(r) for r in self.rows], "best": self.best, "best_step": self.best_step,
                "unhealthy_streak": self.unhealthy_streak, "since_best": self.since_best}

    def load_state_dict(self, state: dict) -> None:
        self.rows = [dict(r) for r in state.get("rows", [])]
        self.best, self.best_step = state.get("best"), state.get("best_step")
        self.unhealthy_streak, self.since_best = int(state.get("unhealthy_streak", 0)), int(state.get("since_best", 0))


STOP_RULES = ("plateau", "unhealthy")


def parse_stop_when(text: str | None) -> tuple[str, int] | None:
    """``train.stop_when``: None, ``plateau:N`` (N evaluations without a new best FID) or
    ``unhealthy:N`` (N consecutive evaluations in a state other than healthy)."""
    from ..errors import GanforgeError

    if text is None:
        return None
    kind, _, count = str(text).partition(":")
    if kind.strip() not in STOP_RULES or not count.strip().isdigit() or int(count) < 1:
        raise GanforgeError(f"train.stop_when={text!r}: use plateau:N (stop after N evaluations without a new best "
                            f"FID) or unhealthy:N (after N unhealthy evaluations in a row), N ≥ 1, or null")
    return kind.strip(), int(count)


def stop_reason(tracker: HealthTracker, rule: tuple[str, int] | None) -> str | None:
    """Why the run should stop now under ``rule`` (a sentence), or None."""
    if rule is None:
        return None
    kind, n = rule
    if kind == "plateau" and tracker.best is not None and tracker.since_best >= n:
        return f"stop_when plateau:{n}: no better FID than {tracker.best:.3g} (step {tracker.best_step:,}) in {n} evaluations"
    if kind == "unhealthy" and tracker.unhealthy_streak >= n:
        return f"stop_when unhealthy:{n}: {tracker.last_state} for {n} evaluations in a row"
    return None


def check_eval_config(t) -> None:
    """train.eval_every and stop_when: one clear error for a bad value."""
    from ..errors import GanforgeError

    every = t.eval_every
    if not (every == "auto" or (isinstance(every, int) and not isinstance(every, bool) and every >= 0)):
        raise GanforgeError(f"train.eval_every={every!r}: give a number of steps (0 turns evaluation off) or auto")
    parse_stop_when(t.stop_when)
    if t.stop_when is not None and every == 0:
        raise GanforgeError(f"train.stop_when={t.stop_when!r} reads the evaluations, but train.eval_every=0 turns "
                            f"them off; set train.eval_every (steps) or drop stop_when")
