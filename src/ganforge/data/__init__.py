"""Datasets: each registered loader returns a ``TensorData`` held as one tensor in memory.

Images are stored as uint8 [N, C, H, W] and converted per batch to the generator's output
range; point sets are float32 [N, D] in data coordinates. No per-step PIL work.
"""

from . import (
    images,  # noqa: F401,E402  (registers digits, mnist, fashion-mnist, cifar10)
    toy,  # noqa: F401,E402  (registers the toy targets: gaussian-1d, ring-2d, ...)
)
from .base import BatchSampler, TensorData, load_data  # noqa: F401
