"""Shared layers used by several model families."""

from .dropout import Dropout
from .maxout import Maxout
from .self_attention import SelfAttention

__all__ = ["Dropout", "Maxout", "SelfAttention"]
