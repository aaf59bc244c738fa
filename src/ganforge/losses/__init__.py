"""Adversarial losses: pure functions of the discriminator's raw outputs.

Sign convention (all loss modules): D returns raw scores, "higher = more real". For the
minimax family the score is a logit, D(x) = sigmoid(score). Every function returns a scalar
that its player *minimises*; arguments are keyword-only tensors of shape [N] or [N, 1].

A ``LossFamily`` pairs one D loss with the G objectives that belong to it, and names the
statistics (``d_real``, ``d_fake``, ``value``) that are meaningful for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from torch import Tensor

from ..registry import LOSSES


@dataclass(frozen=True)
class LossFamily:
    name: str
    d_loss: Callable[..., Tensor]
    g_losses: dict[str, Callable[..., Tensor]]
    default_g: str
    stats: Callable[..., dict[str, Tensor]]
    # True when D's score is a logit of a probability (sigmoid output in the paper). A family
    # without it (Wasserstein, hinge) refuses recipes that need a bounded D.
    probabilistic: bool = True
    # True when G's loss also reads D's scores of real data (``g_loss(fake_logits=, real_logits=)``):
    # the relativistic losses; G's step then draws a real batch as D's does
    relativistic: bool = False
    # the raw score above which D calls an example real (ADA's overfitting heuristic reads
    # E[sign(D(x_real) − threshold)]); None where a lone score has no such meaning (Wasserstein's
    # critic is shift-invariant, energies, relativistic scores)
    realness_threshold: float | None = 0.0
    doc: str = ""
    extra: dict = field(default_factory=dict)

    def g_loss(self, objective: str | None) -> Callable[..., Tensor]:
        from ..errors import GanforgeError

        name = objective or self.default_g
        if name not in self.g_losses:
            valid = ", ".join(sorted(self.g_losses))
            raise GanforgeError(
                f"g_objective {name!r} does not belong to loss {self.name!r}; valid: {valid} "
                f"(set it with --set g_objective=NAME)"
            )
        return self.g_losses[name]


def register_family(family: LossFamily) -> LossFamily:
    LOSSES.register(family.name, family)
    return family


from . import energy, hinge, least_squares, minimax, rpgan, wasserstein  # noqa: E402,F401  (register the families)
