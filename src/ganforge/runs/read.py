"""Reading a run directory's resolved config and run.json, checked (a run directory may come
from someone else)."""

from __future__ import annotations

from pathlib import Path

from ..config import Config, build, load_yaml
from ..errors import GanforgeError


def read_run(run_dir: str | Path) -> tuple[Config, dict]:
    """(resolved config, run.json metadata) of a run directory."""
    import json

    run_dir = Path(run_dir)
    if not (run_dir / "config.yaml").is_file() or not (run_dir / "run.json").is_file():
        raise GanforgeError(f"{run_dir} is not a ganforge run directory (config.yaml and run.json missing)")
    try:
        meta = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise GanforgeError(f"{run_dir / 'run.json'} is not readable JSON ({err}); the run directory is damaged") from None
    _check_meta(meta, run_dir / "run.json")
    return build(Config, load_yaml(run_dir / "config.yaml")), meta


def _check_meta(meta, path: Path) -> None:
    """run.json's fields that shape the rebuilt networks must have their documented types."""
    shape = meta.get("data_shape") if isinstance(meta, dict) else None
    if not (isinstance(shape, list) and shape and all(isinstance(d, int) and not isinstance(d, bool) and d >= 1
                                                       for d in shape)):
        raise GanforgeError(f"{path}: data_shape must be a list of positive integers, got {shape!r}; the run "
                            f"directory is damaged")
    kind = meta.get("data_kind", "image")
    if (kind, len(shape)) not in (("image", 3), ("points", 1)):
        raise GanforgeError(f"{path}: data_kind {kind!r} does not fit data_shape {shape} (images are [C, H, W], "
                            f"points [D]); the run directory is damaged")
    classes = meta.get("n_classes")
    if classes is not None and not (isinstance(classes, int) and not isinstance(classes, bool) and classes >= 1):
        raise GanforgeError(f"{path}: n_classes must be a positive integer or null, got {classes!r}")
    names = meta.get("class_names")
    if names is not None and not (isinstance(names, list) and len(names) == classes
                                  and all(isinstance(n, str) for n in names)):
        raise GanforgeError(f"{path}: class_names must be a list of n_classes ({classes}) strings; the run directory "
                            f"is damaged")


def run_shapes(meta: dict) -> dict | None:
    """A two-domain run's per-network shapes from run.json (None for one domain)."""
    from ..data.unpaired import domain_shapes

    domains, shape_b = meta.get("domains"), meta.get("data_shape_b")
    if not domains:
        return None
    ok = (isinstance(domains, dict) and all(isinstance(v, list) and len(v) == 2 and set(v) <= {"a", "b"}
                                             for v in domains.values())
          and isinstance(shape_b, list) and len(shape_b) == 3 and all(isinstance(d, int) and d >= 1 for d in shape_b))
    if not ok:
        raise GanforgeError("run.json: domains / data_shape_b are malformed; the run directory is damaged")
    return domain_shapes(domains, tuple(meta["data_shape"]), tuple(shape_b))
