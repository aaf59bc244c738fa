"""Named registries: recipes, losses, models, datasets, metrics.

Unknown names fail with the list of valid ones, so a typo is one clear line, not a KeyError.
"""

from __future__ import annotations

from typing import Callable, Generic, Iterator, TypeVar

from .errors import GanforgeError

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T | None = None) -> T | Callable[[T], T]:
        """Register ``item`` under ``name``; without ``item``, return a decorator."""
        if item is None:
            def deco(obj: T) -> T:
                self.register(name, obj)
                return obj
            return deco
        if name in self._items:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._items[name] = item
        return item

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            valid = ", ".join(sorted(self._items)) or "(none)"
            plural = self.kind + ("es" if self.kind.endswith("s") else "s")
            raise GanforgeError(f"unknown {self.kind} {name!r}; valid {plural}: {valid}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))

    def items(self) -> list[tuple[str, T]]:
        return sorted(self._items.items())

    def names(self) -> list[str]:
        return sorted(self._items)


RECIPES: Registry = Registry("recipe")
LOSSES: Registry = Registry("loss")
MODELS: Registry = Registry("model")
DATASETS: Registry = Registry("dataset")
METRICS: Registry = Registry("metric")
