"""The in-memory dataset: a whole dataset as one tensor, converted per batch to the
generator's output range. Imported by every loader; it imports no other part of ``data``."""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import Tensor


@dataclass
class TensorData:
    """A whole dataset as one tensor.

    x: uint8 [N, C, H, W] (kind "image", pixel values 0..255) or float32 [N, D] (kind "points").
    labels: int64 [N] or None.
    """

    x: Tensor
    kind: str
    name: str
    labels: Tensor | None = None
    info: dict = field(default_factory=dict)
    mirror: bool = False  # data.mirror: ``take`` flips about half of the rows left-right (``mirror.py``)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.x.shape[1:])

    def __len__(self) -> int:
        return self.x.shape[0]

    def to(self, device) -> "TensorData":
        self.x = self.x.to(device)
        if self.labels is not None:
            self.labels = self.labels.to(device)
        return self

    def take(self, idx: Tensor, sampler=None, *, labels: bool) -> tuple[Tensor, Tensor | None]:
        """Rows ``idx`` (int64 [B], any device) and, when asked, their labels, on the data's device.
        (``sampler`` is for the streamed set's read-ahead; a tensor in memory needs none.)"""
        idx = idx.to(self.x.device, non_blocking=True)
        x = self.x.index_select(0, idx)
        if self.mirror:
            from .mirror import mirror_rows

            x = mirror_rows(x, idx, getattr(sampler, "epoch", 0))
        return x, self.labels.index_select(0, idx) if labels else None

    def mean(self) -> Tensor:
        """Per-feature mean in [0, 1] for images (used to initialise a sigmoid output bias)."""
        x = self.x.float()
        return x.mean(0) / 255.0 if self.kind == "image" else x.mean(0)

    def to_model(self, xb: Tensor, out_range: tuple[float, float] | None) -> Tensor:
        """A raw batch → float32 in the generator's output range ([0,1] or [-1,1] for images)."""
        if self.kind != "image":
            return xb.float()
        lo, hi = out_range or (0.0, 1.0)
        return xb.float().mul_((hi - lo) / 255.0).add_(lo)
