"""Two unpaired domains for a two-domain recipe (CycleGAN): A from ``data``, B from ``data_b``.

Either two datasets given separately (``--data mnist --data-b digits``; each keeps its own size,
channels and number of examples), or one folder in CycleGAN's layout given as ``--data PATH``:
``PATH/trainA``, ``PATH/trainB`` (``data.split=train``) and ``PATH/testA``, ``PATH/testB``
(``data.split=test``). ``horse2zebra`` names that folder under the data root
(``--data-root DIR`` or $GANFORGE_DATA: ``DIR/horse2zebra/trainA`` …); ``horse2zebra-64`` is
the same folder under another name, which recipes key their CPU presets on (cyclegan: 64×64).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..config import Config, DataConfig
from ..errors import GanforgeError
from ..registry import DATASETS
from .base import data_root, load_data
from .stream import refuse_stream
from .tensor_data import TensorData

# named folders in CycleGAN's layout, found under the data root: name → folder
UNPAIRED_FOLDERS = {"horse2zebra": "horse2zebra", "horse2zebra-64": "horse2zebra"}


def unpaired_folder(cfg: DataConfig) -> Path | None:
    """The folder holding {split}A / {split}B when ``cfg.name`` is one (or a named one), else None."""
    if cfg.name in UNPAIRED_FOLDERS and cfg.name not in DATASETS:
        folder = UNPAIRED_FOLDERS[cfg.name]
        path = data_root(cfg) / folder
        if not path.is_dir():
            raise GanforgeError(f"{cfg.name} not found: expected {path}/trainA, trainB, testA, testB (CycleGAN's "
                                f"layout); pass the folder holding {folder}/ with --data-root")
        return path
    path = Path(cfg.name).expanduser()
    if cfg.name in DATASETS or not path.is_dir():
        return None
    return path if any((path / f"{s}A").is_dir() for s in ("train", "test")) else None


def _domain(folder: Path, cfg: DataConfig, letter: str) -> TensorData:
    sub = folder / f"{cfg.split}{letter}"
    if not sub.is_dir():
        raise GanforgeError(f"{folder} has no {sub.name}/ folder (CycleGAN's layout: trainA, trainB, testA, testB); "
                            f"data.split={cfg.split!r} reads {cfg.split}A and {cfg.split}B")
    data = load_data(dataclasses.replace(cfg, name=str(sub)))
    data.labels = None  # one domain: no classes
    data.name = f"{cfg.name}/{sub.name}"
    return data


def load_domains(cfg: Config) -> tuple[TensorData, TensorData]:
    """(domain A, domain B) for a two-domain recipe (held in memory: they do not stream)."""
    for part in (cfg.data, cfg.data_b):
        if part is not None:
            refuse_stream(part, f"recipe {cfg.recipe!r}'s two domains are held in memory")
    if cfg.data_b is not None:
        b_cfg = cfg.data_b if cfg.data_b.root else dataclasses.replace(cfg.data_b, root=cfg.data.root)
        for flag, given in (("--data", cfg.data), ("--data-b", b_cfg)):
            folder = unpaired_folder(given)
            if folder is not None:  # read as a plain folder it would pour both domains into one
                raise GanforgeError(f"{flag} {given.name} is a folder in CycleGAN's layout (trainA/, trainB/), which holds "
                                    f"both domains: pass it alone as --data (without --data-b), or point {flag} at "
                                    f"{folder}/{cfg.data.split}{'A' if flag == '--data' else 'B'}")
        return load_data(cfg.data), load_data(b_cfg)
    folder = unpaired_folder(cfg.data)
    if folder is None:
        raise GanforgeError(f"recipe {cfg.recipe!r} translates between two domains: give a second dataset with "
                            f"--data-b (e.g. --data mnist --data-b digits) or a folder in CycleGAN's layout "
                            f"(trainA/, trainB/, testA/, testB/) as --data; {cfg.data.name!r} is neither")
    return _domain(folder, cfg.data, "A"), _domain(folder, cfg.data, "B")


def domain_shapes(domains: dict, shape_a: tuple, shape_b: tuple) -> dict[str, dict]:
    """Each network's ``in_shape`` / ``out_shape`` from the recipe's {net: (input domain, output
    domain)}, domains named "a" and "b"."""
    shape = {"a": tuple(shape_a), "b": tuple(shape_b)}
    return {net: {"in_shape": shape[src], "out_shape": shape[dst]} for net, (src, dst) in domains.items()}
