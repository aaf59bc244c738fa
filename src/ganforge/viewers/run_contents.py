"""What the report and the live page read from a run directory: its config, run.json, the
recipe behind it, its sample grids, eval cards and lab figures. Reading only; nothing here
writes, and nothing here trusts the files (a run directory may come from someone else)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import GanforgeError

GRID_NAME = re.compile(r"step_(\d{6,})\.png")


@dataclass(frozen=True)
class RunFiles:
    root: Path

    @property
    def metrics(self) -> Path:
        return self.root / "metrics.jsonl"

    def config(self) -> dict:
        """config.yaml as plain data ({} while it is not there yet)."""
        import yaml

        try:
            value = yaml.safe_load((self.root / "config.yaml").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
            return {}
        return value if isinstance(value, dict) else {}

    def config_text(self) -> str:
        try:
            return (self.root / "config.yaml").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return ""

    def meta(self) -> dict:
        """run.json ({} while it is not there yet or unreadable)."""
        try:
            value = json.loads((self.root / "run.json").read_text(encoding="utf-8"), parse_constant=lambda _: None)
        except (OSError, ValueError, UnicodeDecodeError, RecursionError):
            return {}
        return value if isinstance(value, dict) else {}

    def grids(self) -> list[tuple[int, Path]]:
        """(step, path) of samples/step_NNNNNN.png, in step order."""
        folder = self.root / "samples"
        if not folder.is_dir():
            return []
        found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := GRID_NAME.fullmatch(p.name)) and self._own(p)]
        return sorted(found)

    def _own(self, path: Path) -> bool:
        """A plain file of this run: not a link, and not reached through one that leads out."""
        try:
            return path.is_file() and not path.is_symlink() and self.root.resolve() in path.resolve().parents
        except OSError:
            return False

    def png(self, path: Path) -> bytes | None:
        """The bytes of one of the run's own PNG files, or None when it is a link, unreadable, or not
        a PNG (the report inlines what it reads, and is shared)."""
        if not self._own(path):
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return data if data.startswith(b"\x89PNG\r\n\x1a\n") else None

    def eval_cards(self) -> list[dict]:
        path = self.root / "eval.jsonl"
        cards = []
        if path.is_file():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    card = json.loads(line, parse_constant=lambda _: None)
                except (ValueError, RecursionError):
                    continue
                if isinstance(card, dict) and "metric" in card:
                    cards.append(card)
        return cards

    def lab_figures(self) -> list[Path]:
        folder = self.root / "lab"
        return sorted(p for p in folder.glob("*.png") if self._own(p)) if folder.is_dir() else []

    def total_steps(self) -> int | None:
        train = self.config().get("train")
        steps = train.get("steps") if isinstance(train, dict) else None
        return steps if isinstance(steps, int) and not isinstance(steps, bool) else None


def open_run(run_dir: str | Path) -> RunFiles:
    """A run directory to show; refused in one line when it is none (no config.yaml)."""
    root = Path(run_dir)
    if not root.is_dir():
        raise GanforgeError(f"{root} is not a directory; give a run directory written by `ganforge train`")
    if not (root / "config.yaml").is_file():
        raise GanforgeError(f"{root} is not a ganforge run directory (no config.yaml); give a folder written by "
                            f"`ganforge train`")
    return RunFiles(root)


def recipe_of(config: dict):
    """The registered recipe a config names, or None (an unknown name: a run from another version)."""
    from .. import recipes  # noqa: F401  (registers them)
    from ..registry import RECIPES

    name = config.get("recipe")
    return RECIPES.get(name) if isinstance(name, str) and name in RECIPES else None


def is_probabilistic(config: dict) -> bool:
    """D's output is a probability (the minimax family): its curves get the ½ line."""
    from .. import losses  # noqa: F401  (registers them)
    from ..registry import LOSSES

    name = config.get("loss", "minimax")
    return bool(LOSSES.get(name).probabilistic) if isinstance(name, str) and name in LOSSES else False
