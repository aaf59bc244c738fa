"""What every metric function returns: a number, its spread, and the protocol parameters
that produced it (merged into the protocol card by the eval runner)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class MetricResult:
    metric: str
    value: float
    std: float | None = None
    std_kind: str | None = None  # what ``std`` is: "std over 10 splits", "standard error", ...
    params: dict = field(default_factory=dict)  # the protocol knobs: k, subsets, sigma, ...
    # pictures that show the number, [N, C, H, W] in [0, 1] by name: written beside the cards as
    # <cards file stem>.<name>.png (the memorisation metric's closest sample–training pairs)
    pictures: dict = field(default_factory=dict, repr=False)

    def __float__(self) -> float:
        return float(self.value)

    def __repr__(self) -> str:
        spread = f" ± {self.std:.4g}" if self.std is not None else ""
        return f"{self.metric}={self.value:.6g}{spread}"
