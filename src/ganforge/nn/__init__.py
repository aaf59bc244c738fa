"""Shared layers used by several model families."""

from .dropout import Dropout
from .maxout import Maxout

__all__ = ["Dropout", "Maxout"]
