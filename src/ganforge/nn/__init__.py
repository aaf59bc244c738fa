"""Shared layers used by several model families."""

from .maxout import Maxout

__all__ = ["Maxout"]
