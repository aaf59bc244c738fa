"""NaN/inf caught at the step it happens, without a host sync per step.

Every step folds one on-device flag into ``first_bad`` (the first outer step whose losses were
not all finite); the flag is read once, at the next log or checkpoint. Before a checkpoint the
weights themselves are checked, so a checkpoint with non-finite weights is never written and
the last good one stays.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch
from torch import Tensor, nn

from ..errors import GanforgeError


def advice(kept: Path | None) -> str:
    where = (f"the last complete checkpoint, {kept.name}, is kept for --resume" if kept is not None
             else "no checkpoint had been written yet")
    return f"lower the learning rates or try --precision 32; {where}"


class FiniteGuard:
    def __init__(self, device: torch.device, *, any_rank: Callable[[Tensor], Tensor] | None = None,
                 kept: Callable[[], Path | None] = lambda: None) -> None:
        self.first_bad = torch.full((), -1, dtype=torch.long, device=device)
        self.any_rank = any_rank  # DDP: mean over ranks, so every rank stops together
        self.kept = kept  # the last complete checkpoint, for the message

    def observe(self, step: int, stats: dict[str, list[Tensor]]) -> None:
        """Fold in outer step ``step`` (1-based count of steps done) from its reported losses; no sync."""
        losses = [v.detach().float().reshape(()) for key, values in stats.items() if key.endswith("_loss")
                  for v in (values if isinstance(values, list) else [values])]
        if not losses:
            return
        finite = torch.stack(losses).isfinite().all()
        fresh = torch.full_like(self.first_bad, step)
        self.first_bad = torch.where(finite | (self.first_bad >= 0), self.first_bad, fresh)

    def check(self, record: dict | None = None) -> None:
        """Raise if any step so far had a non-finite loss (one host sync)."""
        bad = (self.first_bad >= 0).float()
        if self.any_rank is not None:
            bad = self.any_rank(bad)
        if float(bad) == 0.0:
            return
        step = int(self.first_bad)
        names = sorted(k for k, v in (record or {}).items() if k.endswith("_loss") and v is None)
        what = " and ".join(names) or "a loss"
        at = f"at step {step}" if step >= 0 else "on another process"
        raise GanforgeError(f"{what} became NaN/inf {at}: the run diverged ({advice(self.kept())})")


def check_weights(nets: dict[str, nn.Module], step: int, kept: Path | None) -> None:
    """Refuse to checkpoint non-finite weights, naming the first bad tensor (one host sync)."""
    names, flags = [], []
    for net_name, net in nets.items():
        for key, value in net.state_dict().items():
            if torch.is_tensor(value) and value.is_floating_point():
                names.append(f"{net_name}.{key}")
                flags.append(value.isfinite().all())
    if not flags:
        return
    ok = torch.stack([f.to(flags[0].device) for f in flags]).tolist()
    if not all(ok):
        bad = names[ok.index(False)]
        raise GanforgeError(f"{bad} holds NaN/inf at step {step}, so no checkpoint was written: the run diverged "
                            f"({advice(kept)})")
