"""Building networks and the run's pieces from a resolved config."""

from __future__ import annotations

import inspect

import torch
from torch import nn

from ..config import Config, NetConfig
from ..errors import GanforgeError
from ..registry import MODELS
from .latent import LatentSpec


def build_net(which: str, spec: NetConfig, *, require: tuple[str, ...] = (), **given) -> nn.Module:
    """Construct ``MODELS[spec.arch]`` with ``spec.args`` plus what the data and latent fix
    (shapes, classes); spectral norm when ``spec.spectral_norm``. ``require``: keywords the
    architecture must accept (``n_classes`` for a conditional run)."""
    cls = MODELS.get(spec.arch)
    params = inspect.signature(cls.__init__).parameters
    for key in require:
        if key not in params:
            able = [name for name, c in MODELS.items() if key in inspect.signature(c.__init__).parameters]
            raise GanforgeError(
                f"{which}.arch={spec.arch!r} cannot take {key} (this run is conditional); architectures that can: "
                f"{', '.join(able) or '(none)'}"
            )
    accepted = {k: v for k, v in given.items() if k in params}
    valid = [p for p in params if p != "self" and p not in accepted and params[p].kind != inspect.Parameter.VAR_KEYWORD]
    unknown = sorted(set(spec.args) - set(valid))
    if unknown:
        raise GanforgeError(
            f"unknown argument {unknown[0]!r} for {which}.arch={spec.arch!r}; valid {which}.args keys: "
            f"{', '.join(valid)}"
        )
    try:
        net = cls(**accepted, **spec.args)
    except GanforgeError:
        raise
    except (TypeError, ValueError, RuntimeError, AttributeError, KeyError, IndexError) as err:
        raise GanforgeError(f"cannot build {which} ({spec.arch}) with args {spec.args}: {err}") from None
    if spec.spectral_norm:
        apply_spectral_norm(net)
    return net


def network_specs(cfg: Config) -> dict[str, NetConfig]:
    """The run's networks in build order: G, D, then ``cfg.nets`` (e.g. InfoGAN's Q)."""
    clash = {"G", "D"} & set(cfg.nets)
    if clash:
        raise GanforgeError(f"nets.{sorted(clash)[0]}: G and D are configured by the top-level G and D keys")
    return {"G": cfg.G, "D": cfg.D, **cfg.nets}


def build_networks(cfg: Config, data_shape: tuple[int, ...], latent: LatentSpec,
                   names: tuple[str, ...] | None = None, shapes: dict[str, dict] | None = None,
                   network_args=None) -> dict[str, nn.Module]:
    """Build the named networks (all of them by default), in ``network_specs`` order so that
    random initialisation is reproducible. ``shapes``: per network ``in_shape`` / ``out_shape``
    where they are not the data's (a two-domain recipe's translators). ``network_args``: a
    recipe's (name, networks built so far) → extra constructor arguments (InfoGAN's Q takes the
    width of D's trunk features)."""
    given = {"z_dim": latent.g_in_dim, "z_dist": cfg.z_dist, "out_shape": data_shape, "in_shape": data_shape}
    if latent.n_classes:
        given["n_classes"] = latent.n_classes
    if latent.codes:
        given["n_categorical"] = sum(c.dim for c in latent.categorical)
        given["n_continuous"] = sum(c.dim for c in latent.continuous)
    nets = {}
    for name, spec in network_specs(cfg).items():
        if names is None or name in names:
            require = ("n_classes",) if latent.n_classes and name in ("G", "D") else ()
            extra = network_args(name, nets) if network_args is not None else {}
            nets[name] = build_net(name, spec, require=require, **{**given, **(shapes or {}).get(name, {}), **extra})
    from ..penalties import PENALTIES, regulariser_schedule

    per_example = [name for name, spec in cfg.d_penalties.items()
                   if getattr(PENALTIES.get(name), "per_example", False) and regulariser_schedule(name, spec)[0]]
    if "D" in nets and per_example and has_batch_norm(nets["D"]):
        raise GanforgeError(
            f"the gradient penalty ({per_example[0]}) is taken per example, which batch norm in D breaks "
            f"(Gulrajani et al. 2017, Sec. 4); use a D without batch norm, e.g. --set D.args.norm=layer"
        )
    return nets


def build_models(cfg: Config, data_shape: tuple[int, ...], n_classes: int | None = None) -> tuple[nn.Module, nn.Module]:
    """G and D alone (tests, tools)."""
    nets = build_networks(cfg, data_shape, LatentSpec.from_config(cfg, n_classes), names=("G", "D"))
    return nets["G"], nets["D"]


def apply_spectral_norm(module: nn.Module) -> None:
    """Spectral normalisation (Miyato et al., 2018) of every conv, linear and embedding layer:
    W / σ(W), σ estimated by one power iteration per forward pass in training mode. A layer whose
    ``spectral_norm_exempt`` attribute is true (set by a model's own switch) is left as it is."""
    from torch.nn.utils.parametrizations import spectral_norm

    for name, child in list(module.named_children()):
        if getattr(child, "spectral_norm_exempt", False):
            continue
        if isinstance(child, (nn.Conv2d, nn.Linear, nn.ConvTranspose2d, nn.Embedding)):
            setattr(module, name, spectral_norm(child))
        else:
            apply_spectral_norm(child)


def check_shapes(nets: dict[str, nn.Module], cfg: Config, data_shape: tuple[int, ...], latent: LatentSpec) -> None:
    """One tiny forward: G must produce the data's shape and D must score it."""
    G, D = nets["G"], nets["D"]
    with torch.no_grad():
        lat = latent.zeros(2)
        y = lat.get("y")
        try:
            G.eval()
            x = G(*latent.g_args(lat))
            G.train()
        except RuntimeError as err:
            raise GanforgeError(f"G ({cfg.G.arch}) cannot run with z_dim={latent.g_in_dim}: {err}") from None
        if tuple(x.shape[1:]) != tuple(data_shape):
            raise GanforgeError(
                f"G ({cfg.G.arch}) makes samples of shape {tuple(x.shape[1:])} but the data has shape "
                f"{tuple(data_shape)}; choose a matching data.image_size or G architecture"
            )
        try:
            D.eval()
            s = D(x) if y is None else D(x, y)
            D.train()
        except RuntimeError as err:
            raise GanforgeError(f"D ({cfg.D.arch}) cannot take inputs of shape {tuple(data_shape)}: {err}") from None
        if tuple(s.shape) != (2,):
            raise GanforgeError(f"D ({cfg.D.arch}) must return one score per example, got shape {tuple(s.shape)}")


def has_batch_norm(module: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in module.modules())


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
