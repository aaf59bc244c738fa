"""The model card written beside an exported generator (``ganforge export``): recipe, data,
settings, the network's constructor, its inputs and output, the parity check against ``sample``,
the run's last metrics with their protocol, and the versions that wrote it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import torch
from torch import nn

FORMATS = {"onnx": ".onnx", "torchscript": ".pt"}
TOLERANCE = 1e-4  # what the parity tests hold every exported family to (max |exported − sample|)
# A written file differing from ``sample`` by more than this is refused as a wrong export. Between the
# two lies rounding magnified by the network: a StyleGAN early in training has feature maps nearly
# constant over their pixels, whose instance norm divides rounding noise by √(1e-8) (9e-4 measured at
# step 2; 2e-5 at step 8), so the figure is put in the card, not refused.
REFUSE_ABOVE = 1e-2
CHECK_N = 4  # samples drawn to check a written file against ``sample``
OPSET = 17


# ---------------------------------------------------------------- the model card
def model_card(run_dir, trained, sampler: nn.Module, *, format: str, out: Path, check_diff: float) -> dict:
    """What the exported file is, where it comes from and how to feed it (written as FILE.card.json)."""
    from . import __version__
    from .registry import RECIPES

    cfg, meta = trained.cfg, trained.meta
    recipe = RECIPES.get(cfg.recipe) if cfg.recipe in RECIPES.names() else None
    card = {
        "file": out.name,
        "format": format,
        "sha256": _sha256(out),
        "bytes": out.stat().st_size,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "recipe": cfg.recipe,
        "paper": None if recipe is None else {"citation": recipe.paper, "url": recipe.url,
                                              "sources": recipe.sources, "deviations": list(recipe.deviations)},
        "run": {"dir": str(run_dir), "step": trained.step, "weights": "EMA of G" if trained.ema else "G",
                "checkpoint": _checkpoint_file(run_dir)},
        "data": {"config": dataclasses.asdict(cfg.data), "kind": trained.kind, "shape": meta["data_shape"],
                 "n_classes": trained.n_classes, "class_names": meta.get("class_names")},
        "settings": dataclasses.asdict(cfg),
        "network": _network(trained, sampler),
        "inputs": _describe_inputs(trained, sampler),
        "outputs": [_describe_output(trained)],
        "truncation": ("BigGAN's truncation trick is a resampling of z: redraw each entry of z with |z| > t "
                       "from N(0, 1) until none is left (ganforge.exporting.sample_inputs(..., truncation=t) draws "
                       "it), then feed that z" if cfg.z_dist == "normal" else None),
        "check": {"n": CHECK_N, "seed": 0, "max_abs_diff_vs_sample": check_diff, "within_1e-4": check_diff <= TOLERANCE,
                  "what": "the written file run on sample_inputs(run, n, seed=0) against ganforge.load(run).sample(n, "
                          "seed=0)"},
        "metrics": _last_metrics(run_dir),
        "versions": _versions(format, __version__),
    }
    return card


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _checkpoint_file(run_dir) -> str | None:
    from .training.checkpoint import latest_checkpoint

    last = latest_checkpoint(Path(run_dir))
    return None if last is None else str(Path("checkpoints") / last.name / "tensors.safetensors")


def _network(trained, sampler: nn.Module) -> dict:
    """How to rebuild G in PyTorch from the checkpoint (docs/export.md, "Plain PyTorch")."""
    from .training.build import network_specs

    name = trained.meta.get("sampler", "G")
    spec = network_specs(trained.cfg)[name]
    G = trained.G
    out = {"name": name, "class": f"{type(G).__module__}.{type(G).__qualname__}",
           "kwargs": _constructor_kwargs(G, trained, spec), "spectral_norm": spec.spectral_norm,
           "state_dict_prefix": f"s.{name}_ema." if trained.ema else f"s.{name}.",
           "parameters": sum(p.numel() for p in G.parameters())}
    if hasattr(G, "fade"):  # PGGAN / StyleGAN: exported at the growth stage of the checkpoint
        top, alpha = G.fade()
        side = 4 * 2 ** top
        out["growth"] = {"progress": float(G.progress), "resolution": [side, side], "fade_in_alpha": alpha,
                         "note": "the output is upsampled (nearest) to the data's size when the stage is below it"}
    return out


def _constructor_kwargs(G: nn.Module, trained, spec) -> dict:
    import inspect

    params = inspect.signature(type(G).__init__).parameters
    latent = trained.latent
    given = {"z_dim": latent.g_in_dim, "z_dist": trained.cfg.z_dist, "out_shape": list(trained.meta["data_shape"])}
    if latent.n_classes:
        given["n_classes"] = latent.n_classes
    if latent.codes:
        given["n_categorical"] = sum(c.dim for c in latent.categorical)
        given["n_continuous"] = sum(c.dim for c in latent.continuous)
    kwargs = {k: v for k, v in given.items() if k in params}
    kwargs.update(spec.args)
    return json.loads(json.dumps(kwargs, default=list))


def _describe_inputs(trained, sampler: nn.Module) -> list[dict]:
    latent = trained.latent
    laws = {"normal": "N(0, 1)", "uniform": "U[-1, 1]", "uniform01": "U[0, 1]",
            "uniform-unit-variance": "U[-sqrt(3), sqrt(3)]"}
    rows = [{"name": "z", "dtype": "float32", "shape": ["N", latent.z_dim],
             "law": f"{laws.get(latent.z_dist, latent.z_dist)} per entry (z_dist {latent.z_dist})"}]
    if latent.n_classes:
        rows.append({"name": "y", "dtype": "int64", "shape": ["N"], "range": [0, latent.n_classes - 1],
                     "law": "the class of each sample"})
    for c in latent.codes:
        if c.kind == "categorical":
            rows.append({"name": c.name, "dtype": "int64", "shape": ["N"], "range": [0, c.dim - 1],
                         "law": f"categorical code, uniform over {c.dim} categories"})
        else:
            rows.append({"name": c.name, "dtype": "float32", "shape": ["N", c.dim],
                         "law": "U[-1, 1]" if c.kind == "uniform" else "N(0, 1)"})
    if sampler.styled:
        rows.append({"name": "psi", "dtype": "float32", "shape": ["N"],
                     "law": f"StyleGAN's truncation in W, w_avg + psi * (w - w_avg) on the first "
                            f"{sampler.G.truncation_cutoff or 'all'} layers; 1: none; `sample` uses "
                            f"{sampler.G.truncation_psi}"})
    if "normal" in sampler.layout:
        rows.append({"name": "noise", "dtype": "float32", "shape": ["N", sampler.noise_width("normal")],
                     "law": "N(0, 1): the per-pixel noise images of the layers in use, flattened one after the other",
                     "layers": [list(shape) for _, shape in sampler.layout["normal"]]})
    if "uniform" in sampler.layout:
        ps = sorted({sampler.sources[i].inner.p for i, _ in sampler.layout["uniform"]})
        rows.append({"name": "dropout_u", "dtype": "float32", "shape": ["N", sampler.noise_width("uniform")],
                     "law": f"U[0, 1): the dropout kept on when sampling; a unit is kept where u >= p (p = "
                            f"{', '.join(map(str, ps))})",
                     "layers": [list(shape) for _, shape in sampler.layout["uniform"]]})
    return rows


def _describe_output(trained) -> dict:
    shape = list(trained.meta["data_shape"])
    if trained.kind == "image":
        return {"name": "x", "dtype": "float32", "shape": ["N", *shape], "range": [0.0, 1.0],
                "meaning": "images, channels first, as `ganforge sample` returns them"}
    return {"name": "x", "dtype": "float32", "shape": ["N", *shape], "range": None,
            "meaning": "points in data coordinates"}


def _last_metrics(run_dir) -> list[dict]:
    """The last card of each metric in the run's eval.jsonl (each with its protocol), [] without one."""
    path = Path(run_dir) / "eval.jsonl"
    if not path.is_file() or path.is_symlink():
        return []
    last: dict[str, dict] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            card = json.loads(line, parse_constant=lambda _: None)
        except (ValueError, RecursionError):
            continue
        if isinstance(card, dict) and isinstance(card.get("metric"), str):
            last[card["metric"]] = card
    return list(last.values())


def _versions(format: str, ganforge_version: str) -> dict:
    import platform

    out = {"ganforge": ganforge_version, "torch": torch.__version__, "python": platform.python_version()}
    if format == "onnx":
        import onnx

        out["onnx"], out["opset"] = onnx.__version__, OPSET
        try:
            import onnxruntime

            out["onnxruntime"] = onnxruntime.__version__
        except ImportError:
            pass
    return out
