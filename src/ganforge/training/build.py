"""Building networks and the run's pieces from a resolved config."""

from __future__ import annotations

import inspect

import torch
from torch import nn

from ..config import Config, NetConfig
from ..errors import GanforgeError
from ..registry import MODELS


def build_net(which: str, spec: NetConfig, **given) -> nn.Module:
    """Construct ``MODELS[spec.arch]`` with ``spec.args`` plus what the data fixes (shapes)."""
    cls = MODELS.get(spec.arch)
    params = inspect.signature(cls.__init__).parameters
    accepted = {k: v for k, v in given.items() if k in params}
    valid = [p for p in params if p != "self" and p not in accepted and params[p].kind != inspect.Parameter.VAR_KEYWORD]
    unknown = sorted(set(spec.args) - set(valid))
    if unknown:
        raise GanforgeError(
            f"unknown argument {unknown[0]!r} for {which}.arch={spec.arch!r}; valid {which}.args keys: "
            f"{', '.join(valid)}"
        )
    try:
        return cls(**accepted, **spec.args)
    except GanforgeError:
        raise
    except (TypeError, ValueError, RuntimeError) as err:
        raise GanforgeError(f"cannot build {which} ({spec.arch}): {err}") from None


def build_models(cfg: Config, data_shape: tuple[int, ...]) -> tuple[nn.Module, nn.Module]:
    G = build_net("G", cfg.G, z_dim=cfg.z_dim, z_dist=cfg.z_dist, out_shape=data_shape)
    D = build_net("D", cfg.D, in_shape=data_shape)
    if cfg.spectral_norm:
        apply_spectral_norm(D)
    if cfg.d_penalties.get("gp") and has_batch_norm(D):
        raise GanforgeError(
            "the gradient penalty is taken per example, which batch norm in D breaks (Gulrajani et al. 2017, "
            "Sec. 4); use a D without batch norm, e.g. --set D.args.norm=layer"
        )
    return G, D


def apply_spectral_norm(module: nn.Module) -> None:
    """Spectral normalisation (Miyato et al., 2018) of every conv and linear layer: W / σ(W),
    σ estimated by one power iteration per forward pass in training mode."""
    from torch.nn.utils.parametrizations import spectral_norm

    for name, child in list(module.named_children()):
        if isinstance(child, (nn.Conv2d, nn.Linear, nn.ConvTranspose2d)):
            setattr(module, name, spectral_norm(child))
        else:
            apply_spectral_norm(child)


def check_shapes(G: nn.Module, D: nn.Module, cfg: Config, data_shape: tuple[int, ...]) -> None:
    """One tiny forward: G must produce the data's shape and D must score it."""
    with torch.no_grad():
        z = torch.zeros(2, cfg.z_dim)
        try:
            G.eval()
            x = G(z)
            G.train()
        except RuntimeError as err:
            raise GanforgeError(f"G ({cfg.G.arch}) cannot run with z_dim={cfg.z_dim}: {err}") from None
        if tuple(x.shape[1:]) != tuple(data_shape):
            raise GanforgeError(
                f"G ({cfg.G.arch}) makes samples of shape {tuple(x.shape[1:])} but the data has shape "
                f"{tuple(data_shape)}; choose a matching data.image_size or G architecture"
            )
        try:
            D.eval()
            s = D(x)
            D.train()
        except RuntimeError as err:
            raise GanforgeError(f"D ({cfg.D.arch}) cannot take inputs of shape {tuple(data_shape)}: {err}") from None
        if tuple(s.shape) != (2,):
            raise GanforgeError(f"D ({cfg.D.arch}) must return one score per example, got shape {tuple(s.shape)}")


def has_batch_norm(module: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in module.modules())


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
