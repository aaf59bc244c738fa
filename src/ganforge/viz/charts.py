"""Which curves a run's metrics make: the keys of ``metrics.jsonl`` sorted into charts.

The report and the live page draw the same charts (``static/charts.js``) from a layout computed
here, so both pages group a run's numbers alike and a new statistic appears without front-end
work: a key that no group claims gets a small chart of its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Chart:
    title: str
    keys: list[str]
    reference: float | None = None  # a horizontal line (D's ½ at the equilibrium of the minimax game)
    log_y: bool = False
    invert: bool = False  # plot 1 / value (seconds per step → steps per second)
    note: str = ""


# Named groups, claimed in this order; a group's keys appear in this order when present.
_PROBABILITIES = ["d_real", "d_fake", "d_real_eval", "d_fake_eval"]
_CRITIC = ["d_real_score", "d_fake_score", "critic_real_eval", "critic_fake_eval"]
_ENERGY = ["energy_real", "energy_fake", "m_global"]
_GAME_VALUE = ["value", "value_eval", "w_estimate", "c_of_g"]
_TOY_MODES = ["modes_covered", "modes_total"]
_TOY_DISTANCES = ["jsd", "d_star_gap"]  # the lab's probe (README: the lab)
_TOY_SHARES = ["hq_share", "g_outside_box"]
_AUGMENT = ["augment_p", "augment_rt"]  # ADA's probability and its overfitting heuristic (augment/)
_SPEED = "sec_per_step"
# the evaluations while training (metrics/in_training.py; docs/health.md)
_EVAL_GROUPS = [
    ("FID (evaluation while training)", ["fid", "best_fid"], "lower is better; the health states are marked below"),
    ("Precision and recall", ["precision", "recall"], ""),
    ("Classes covered", ["classes_covered", "classes_covered_ref"], "read by the domain classifier; _ref: held-out reals"),
    ("Near-copies of training images", ["memorised", "memorised_ref"], "_ref: the share among held-out reals"),
    ("D's r_t on training vs held-out reals", ["r_t_train", "r_t_heldout", "d_overfit_gap"],
     "ADA's E[sign D(x)]; gap: held-out reals' way from training reals to fakes"),
    ("D's mean scores (evaluation)", ["d_score_train", "d_score_heldout", "d_score_fake"], ""),
    ("Loss trend since the last evaluation", ["d_loss_trend", "g_loss_trend"], ""),
]
_NOT_CHARTED = {"best_step"}


def chart_layout(keys: list[str] | set[str], *, probabilistic: bool) -> list[dict]:
    """Charts for the numeric ``keys`` seen in a run's records (as JSON-ready dicts).

    ``probabilistic``: D's output is a probability (minimax family), so D(x) and D(G(z)) are
    drawn with the ½ line; for critics and energies their raw values are drawn instead."""
    left = set(keys) - {"step"} - _NOT_CHARTED
    charts: list[Chart] = []

    def claim(title: str, wanted: list[str], **options) -> None:
        present = [k for k in wanted if k in left]
        if present:
            charts.append(Chart(title, present, **options))
            left.difference_update(present)

    claim("Losses", sorted(k for k in left if k.endswith("_loss")))
    claim("D(x) and D(G(z))", _PROBABILITIES, reference=0.5 if probabilistic else None,
          note="mean probabilities; ½ where D cannot tell real from fake" if probabilistic else "")
    claim("Critic scores", _CRITIC, note="mean raw scores of real and generated samples")
    claim("Energies", _ENERGY, note="auto-encoder reconstruction energies")
    claim("Value of the game", _GAME_VALUE)
    claim("JSD (nats) and mean |D − D*|", _TOY_DISTANCES)
    claim("Shares of G's samples", _TOY_SHARES, note="hq_share: within 3σ of a mode; g_outside_box: outside the view")
    claim("Modes covered", _TOY_MODES)
    claim("Augmentation (ADA)", _AUGMENT,
          note="p: the probability of each augmentation; r_t = E[sign D(real)], which p steers to its target (0.6)")
    for title, wanted, note in _EVAL_GROUPS:  # before the loss terms, which claim every d_* and g_* key
        claim(title, wanted, note=note)
    players = sorted(k[len("lr_"):].lower() for k in left if k.startswith("lr_"))
    claim("Loss terms", sorted(k for k in left if any(k.startswith(f"{p}_") for p in players)
                             and not k.startswith(("grad_norm_", "lr_"))))
    claim("Gradient norms", sorted(k for k in left if k.startswith("grad_norm_")), log_y=True)
    claim("Learning rates", sorted(k for k in left if k.startswith("lr_")))
    claim("Speed (steps/s)", [_SPEED], invert=True)
    for key in sorted(left):  # whatever a recipe or probe reports: one chart each
        charts.append(Chart(key, [key]))
    return [asdict(c) for c in charts]


def numeric_keys(records: list[dict]) -> set[str]:
    """Keys whose values are numbers (or null: NaN/inf) somewhere in ``records``."""
    keys: set[str] = set()
    for record in records:
        keys.update(k for k, v in record.items() if v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)))
    return keys
