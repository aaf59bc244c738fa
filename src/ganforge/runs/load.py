"""Loading a run's networks from its last complete checkpoint, or from a chosen one: ``best`` (the
best evaluation while training, ``checkpoints/best``), a checkpoint's folder name, or its path
(``RUN/checkpoints/best`` names the run and the checkpoint at once)."""

from __future__ import annotations

from pathlib import Path

from torch import nn

from .. import models as _models  # noqa: F401  (registers the architectures the networks are rebuilt from)
from ..config import Config
from ..errors import GanforgeError
from ..training.latent import LatentSpec
from .generator import TrainedGenerator
from .read import read_run, run_shapes


def resolve_run(run_dir: str | Path, checkpoint: str | Path | None = None) -> tuple[Path, Path | None]:
    """(the run directory, the checkpoint folder to load or None for the last complete one).
    ``run_dir`` may be a checkpoint folder itself (``RUN/checkpoints/best``); ``checkpoint`` is
    ``best``, ``last``, a folder name under ``RUN/checkpoints`` or a path."""
    run_dir = Path(run_dir)
    if (run_dir / "state.json").is_file() and run_dir.parent.name == "checkpoints" \
            and (run_dir.parent.parent / "config.yaml").is_file():
        if checkpoint is not None:
            raise GanforgeError(f"{run_dir} is a checkpoint already; drop --checkpoint, or give the run directory")
        return run_dir.parent.parent, run_dir
    if checkpoint is None or str(checkpoint) == "last":
        return run_dir, None
    path = run_dir / "checkpoints" / str(checkpoint)
    path = path if path.is_dir() or not Path(checkpoint).is_dir() else Path(checkpoint)
    if not ((path / "state.json").is_file() and (path / "tensors.safetensors").is_file()):
        hint = (" (a run keeps checkpoints/best only when it was evaluated while training: train.eval_every)"
                if str(checkpoint) == "best" else "")
        raise GanforgeError(f"checkpoint {checkpoint!r}: {path} is not a complete checkpoint{hint}; use best, last, "
                            f"or a folder in {run_dir / 'checkpoints'}")
    return run_dir, path


def load_network(run_dir: Path, cfg: Config, meta: dict, name: str, latent: LatentSpec, *, device: str = "cpu",
                 ema: bool = True, checkpoint: Path | None = None) -> tuple[nn.Module, int, bool]:
    """Network ``name`` of a run (config and run.json already read), from its last complete
    checkpoint (or ``checkpoint``, a folder), in eval mode: its EMA when the run kept one and
    ``ema``. Returns (network, the checkpoint's step, whether the EMA weights were loaded)."""
    from ..training.build import build_networks
    from ..training.checkpoint import check_fits, checkpoint_step, load_checkpoint, load_latest

    if checkpoint is None:
        last, state = load_latest(run_dir, missing=f"{run_dir} has no complete checkpoint yet; train it longer "
                                                    f"(checkpoints every train.ckpt_every steps)")
    else:
        last, state = checkpoint, load_checkpoint(checkpoint)
    net = build_networks(cfg, tuple(meta["data_shape"]), latent, names=(name,), shapes=run_shapes(meta))[name]
    has_ema = isinstance(state, dict) and isinstance(state.get(f"{name}_ema"), dict)
    key = f"{name}_ema" if has_ema and ema else name
    check_fits({key: net}, state, last)
    net.load_state_dict(state[key])
    step = state.get("step") if isinstance(state, dict) else None  # best's folder name holds no step
    step = checkpoint_step(last) if last.name.startswith("step_") and last.name[5:].isdigit() else step
    return net.eval().to(device), step if isinstance(step, int) and not isinstance(step, bool) else -1, key != name


def check_device(device) -> str:
    """A device torch knows and this machine has ("cpu", "cuda", "cuda:1", "mps"), else one clear error."""
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise GanforgeError(f"unknown device {device!r}; valid: cpu, cuda, cuda:N, mps") from None
    if dev.type == "cuda" and (not torch.cuda.is_available() or (dev.index or 0) >= torch.cuda.device_count()):
        raise GanforgeError(f"device {device!r} asked for, but this machine has {torch.cuda.device_count()} visible "
                            f"CUDA GPU(s); use device='cpu'")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise GanforgeError(f"device {device!r} asked for, but MPS is not available; use device='cpu'")
    return str(dev)


def load(run_dir: str | Path, *, device: str = "cpu", ema: bool = True, truncation: float | None = None,
         checkpoint: str | Path | None = None) -> TrainedGenerator:
    """The generator of a run directory (its EMA when the run kept one, unless ``ema=False``),
    from its last complete checkpoint, in eval mode. ``truncation``: the default threshold of
    its ``sample`` (BigGAN's truncation trick; None: plain z). ``checkpoint``: ``best`` (the best
    evaluation while training), ``last``, a folder under RUN/checkpoints, or a path; ``run_dir``
    may also be a checkpoint folder (``RUN/checkpoints/best``)."""
    run_dir, chosen = resolve_run(run_dir, checkpoint)
    device = check_device(device)
    cfg, meta = read_run(run_dir)
    latent = LatentSpec.from_config(cfg, meta.get("n_classes"))
    G, step, used_ema = load_network(run_dir, cfg, meta, meta.get("sampler", "G"), latent, device=device, ema=ema,
                                     checkpoint=chosen)
    out = TrainedGenerator(G, cfg, meta, latent)
    out.step, out.ema = step, used_ema
    if truncation is not None:
        from ..training.latent import check_truncation

        check_truncation(truncation, latent.z_dist)
        out.truncation = truncation
    return out
