"""Loading a run's networks from its last complete checkpoint."""

from __future__ import annotations

from pathlib import Path

from torch import nn

from .. import models as _models  # noqa: F401  (registers the architectures the networks are rebuilt from)
from ..config import Config
from ..errors import GanforgeError
from ..training.latent import LatentSpec
from .generator import TrainedGenerator
from .read import read_run, run_shapes


def load_network(run_dir: Path, cfg: Config, meta: dict, name: str, latent: LatentSpec, *, device: str = "cpu",
                 ema: bool = True) -> tuple[nn.Module, int, bool]:
    """Network ``name`` of a run (config and run.json already read), from its last complete
    checkpoint, in eval mode: its EMA when the run kept one and ``ema``. Returns (network, the
    checkpoint's step, whether the EMA weights were loaded)."""
    from ..training.build import build_networks
    from ..training.checkpoint import check_fits, checkpoint_step, load_latest

    last, state = load_latest(run_dir, missing=f"{run_dir} has no complete checkpoint yet; train it longer (checkpoints "
                                                f"every train.ckpt_every steps)")
    net = build_networks(cfg, tuple(meta["data_shape"]), latent, names=(name,), shapes=run_shapes(meta))[name]
    has_ema = isinstance(state, dict) and isinstance(state.get(f"{name}_ema"), dict)
    key = f"{name}_ema" if has_ema and ema else name
    check_fits({key: net}, state, last)
    net.load_state_dict(state[key])
    return net.eval().to(device), checkpoint_step(last), key != name


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


def load(run_dir: str | Path, *, device: str = "cpu", ema: bool = True,
         truncation: float | None = None) -> TrainedGenerator:
    """The generator of a run directory (its EMA when the run kept one, unless ``ema=False``),
    from its last complete checkpoint, in eval mode. ``truncation``: the default threshold of
    its ``sample`` (BigGAN's truncation trick; None: plain z)."""
    run_dir = Path(run_dir)
    device = check_device(device)
    cfg, meta = read_run(run_dir)
    latent = LatentSpec.from_config(cfg, meta.get("n_classes"))
    G, step, used_ema = load_network(run_dir, cfg, meta, meta.get("sampler", "G"), latent, device=device, ema=ema)
    out = TrainedGenerator(G, cfg, meta, latent)
    out.step, out.ema = step, used_ema
    if truncation is not None:
        from ..training.latent import check_truncation

        check_truncation(truncation, latent.z_dist)
        out.truncation = truncation
    return out
