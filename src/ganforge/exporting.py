"""A run's sampling network as one file anyone can run: ONNX (onnxruntime, any language) or
TorchScript (plain PyTorch, no ganforge), with a model card beside it.

The exported network is a pure function: every random number it uses is an input, so that the
same inputs give the same images in any runtime, and ``ganforge sample`` can be reproduced
exactly (``sample_inputs``). Inputs, in this order (each only where the run has it):

- ``z``: [N, z_dim] float32, drawn from the run's p_z (``z_dist`` in the card). BigGAN's
  truncation trick is a resampling of z (entries beyond ±t redrawn) and happens here, before the
  network: it cannot be one exact graph operation, so it is not an input;
- ``y``: int64 [N], the class (conditional recipes), 0 … n_classes − 1;
- one input per InfoGAN code: a categorical code as int64 [N] (its category), a continuous one as
  float32 [N, dim];
- ``psi``: float32 [N], StyleGAN's truncation in W (w̄ + ψ(w − w̄) on the first cutoff layers; 1:
  none). It is one exact graph operation, so it is an input;
- ``noise``: float32 [N, K] of N(0, 1) numbers, StyleGAN's per-pixel noise images of the layers in
  use, flattened one after the other;
- ``dropout_u``: float32 [N, K] of U[0, 1) numbers, the conditional GAN's dropout, which stays on
  when it samples (a unit is kept where u ≥ p).

Output ``x``: images [N, C, H, W] in [0, 1] (``sample``'s units), or points [N, D] in data
coordinates. PGGAN and StyleGAN export at the resolution and fade-in of their last checkpoint.
Written by hand: the export itself is torch's (``torch.jit.trace``, ``torch.onnx.export``); what
is ours is the wrapper that makes the run's sampling a pure function, and the card.
"""

from __future__ import annotations

import copy
import json
import math
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .errors import GanforgeError
from .export_card import CHECK_N, FORMATS, OPSET, REFUSE_ABOVE, TOLERANCE, model_card  # noqa: E402,F401


# ---------------------------------------------------------------- randomness as inputs
class _Source(nn.Module):
    """One source of randomness inside a generator when it samples: StyleGAN's ``NoiseInput``
    (law "normal": one N(0, 1) image per example) or a ``Dropout`` kept on when sampling (law
    "uniform": one U[0, 1) number per unit, kept where u ≥ p). ``fed`` set: the draw comes from it
    (the exported function); else the original draw is made and appended to ``recorded`` when that
    is a list (what ``sample`` drew)."""

    def __init__(self, inner: nn.Module, law: str) -> None:
        super().__init__()
        self.inner, self.law = inner, law
        self.fed: Tensor | None = None
        self.recorded: list[Tensor] | None = None

    def forward(self, x: Tensor, fixed: Tensor | None = None) -> Tensor:
        if self.law == "normal":
            noise = self.fed
            if noise is None:  # as NoiseInput draws it (one image per example, shared by the channels)
                noise = fixed if fixed is not None else torch.randn(x.shape[0], 1, x.shape[2], x.shape[3],
                                                                    device=x.device, dtype=x.dtype)
                if self.recorded is not None:
                    self.recorded.append(noise)
            return self.inner(x, noise)
        p = self.inner.p
        if self.fed is not None:
            return x * ((self.fed >= p).to(x.dtype) * (1.0 / (1.0 - p)))
        mask = self.inner(torch.ones_like(x))  # the module's own draw: its mask, from the same random numbers
        if self.recorded is not None:  # a u that gives the same mask: kept → (1 + p) / 2, dropped → p / 2
            self.recorded.append(torch.where(mask > 0, (1.0 + p) / 2, p / 2).to(x.dtype))
        return x * mask


def _wrap_sources(G: nn.Module) -> list[_Source]:
    """Replace (in place) every source of randomness G draws from when it samples; the sources in
    module order."""
    from .nn.dropout import Dropout
    from .nn.style import NoiseInput

    sources = []
    for name, module in list(G.named_modules()):
        law = "normal" if isinstance(module, NoiseInput) else \
            "uniform" if isinstance(module, Dropout) and module.always and module.p > 0 else None
        if law is None:
            continue
        parent_name, _, child = name.rpartition(".")
        source = _Source(module, law)
        setattr(G.get_submodule(parent_name) if parent_name else G, child, source)
        sources.append(source)
    return sources


class _FixedBlur(nn.Module):
    """StyleGAN's ``Blur`` with its kernel expanded once to the channels it filters: the original
    expands it to ``x.shape[1]`` at each call, a kernel of unknown shape to the ONNX exporter. The
    same convolution on the same numbers."""

    def __init__(self, blur: nn.Module, channels: int) -> None:
        super().__init__()
        self.register_buffer("kernel", blur.kernel.expand(channels, 1, 3, 3).clone(), persistent=False)
        self.channels = channels

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.kernel.to(x.dtype), padding=1, groups=self.channels)


def _unparametrized(module: nn.Module) -> nn.Module:
    """A copy of a parametrized module (spectral norm's ``ParametrizedLinear``) as its plain class with
    each parametrized tensor computed once. Not torch's ``remove_parametrizations``: it deletes the
    property from the parametrized class, which the original module (the loaded G) shares."""
    base = type(module).__bases__[0]  # parametrize subclasses the module's own class once
    plain = base.__new__(base)
    plain.__dict__.update(module.__dict__)
    plain._modules = {k: v for k, v in module._modules.items() if k != "parametrizations"}
    plain._parameters = dict(module._parameters)
    plain._buffers = dict(module._buffers)
    with torch.no_grad():
        for name in module.parametrizations:
            plain._parameters[name] = nn.Parameter(getattr(module, name).detach().clone(), requires_grad=False)
    return plain


def _bake(G: nn.Module, example: tuple[Tensor, ...]) -> None:
    """Make (in place, G in eval mode) the forward the exporters can write, computing the same numbers:
    spectral norm's W / σ(W) as a plain weight (σ from the power iteration's stored vectors, as eval
    mode uses it; the ONNX exporter has no ``vdot``), and ``Blur`` with a fixed channel count."""
    from torch.nn.utils import parametrize

    from .nn.style import Blur

    for path, module in list(G.named_modules()):
        if parametrize.is_parametrized(module):
            parent, _, child = path.rpartition(".")
            setattr(G.get_submodule(parent) if parent else G, child, _unparametrized(module))
    channels: dict[str, int] = {}
    blurs = {name: m for name, m in G.named_modules() if isinstance(m, Blur)}
    hooks = [m.register_forward_pre_hook(lambda _m, args, name=name: channels.__setitem__(name, args[0].shape[1]))
             for name, m in blurs.items()]
    try:
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            G(*example)
    finally:
        for h in hooks:
            h.remove()
    for name, channel_count in channels.items():
        parent, _, child = name.rpartition(".")
        setattr(G.get_submodule(parent) if parent else G, child, _FixedBlur(blurs[name], channel_count))


class Sampler(nn.Module):
    """A run's sampling as a pure function of its inputs (see the module docstring): the network
    that ``ganforge export`` writes. ``input_names`` gives the order of ``forward``'s arguments."""

    def __init__(self, trained) -> None:
        super().__init__()
        self.G = copy.deepcopy(trained.G).eval()
        self.latent = trained.latent
        _bake(self.G, self.latent.g_args(self.latent.zeros(1)))
        self.kind = trained.kind
        self.out_range = getattr(trained.G, "out_range", None)
        self.sources = _wrap_sources(self.G)
        self.styled = hasattr(self.G, "truncation_psi") and hasattr(self.G, "synthesis")
        self.layout = self._layout()

    def _layout(self) -> dict[str, list[tuple[int, tuple[int, ...]]]]:
        """law → [(index of the source, its per-example shape)] in the order G draws them (found by
        one recorded pass on a zero latent)."""
        if not self.sources:
            return {}
        for s in self.sources:
            s.recorded = []
        try:
            with torch.no_grad(), torch.random.fork_rng(devices=[]):
                self.G(*self.latent.g_args(self.latent.zeros(1)))
            order = {}
            for i, s in enumerate(self.sources):
                for t in s.recorded:
                    order.setdefault(s.law, []).append((i, tuple(t.shape[1:])))
        finally:
            for s in self.sources:
                s.recorded = None
        for law, used in order.items():
            if len({i for i, _ in used}) != len(used):
                raise GanforgeError("the generator draws twice from one of its noise sources; it cannot be exported")
        return order

    @property
    def input_names(self) -> list[str]:
        names = ["z"] + (["y"] if self.latent.n_classes else []) + [c.name for c in self.latent.codes]
        names += ["psi"] if self.styled else []
        names += [_NOISE_INPUT[law] for law in ("normal", "uniform") if law in self.layout]
        return names

    def noise_width(self, law: str) -> int:
        return sum(math.prod(shape) for _, shape in self.layout.get(law, []))

    def forward(self, *inputs: Tensor) -> Tensor:
        from .data.base import to_unit

        named = dict(zip(self.input_names, inputs))
        for law, used in self.layout.items():
            flat, start = named[_NOISE_INPUT[law]], 0
            for i, shape in used:
                width = math.prod(shape)
                self.sources[i].fed = flat[:, start:start + width].reshape(flat.shape[0], *shape)
                start += width
        try:
            args = self.latent.g_args(named)
            if self.styled:  # StyleGAN's forward at sampling time, with ψ per example as an input
                G = self.G
                ws = G.map(args[0]).unsqueeze(1).repeat(1, G.num_layers, 1)
                ws = G.truncate(ws, named["psi"].to(ws.dtype).view(-1, 1, 1), G.truncation_cutoff)
                x = G.synthesis(ws, "random")
            else:
                x = self.G(*args)
        finally:
            for s in self.sources:
                s.fed = None
        return to_unit(x, self.out_range) if self.kind == "image" else x.float()


_NOISE_INPUT = {"normal": "noise", "uniform": "dropout_u"}


@torch.no_grad()
def sample_inputs(trained, n: int, *, seed: int = 0, y=None, codes: dict | None = None,
                  truncation: float | None = None) -> dict[str, np.ndarray]:
    """The inputs of the exported network that give exactly ``trained.sample(n, seed=seed, y=y,
    codes=codes, truncation=truncation)`` (``trained``: what ``ganforge.load`` returns). Found by
    drawing as ``sample`` does, through a copy of G that records what it is fed and what it draws."""
    from .runs.generator import TrainedGenerator

    sampler = Sampler(trained)
    fed: list[tuple[Tensor, ...]] = []
    drawn: dict[str, list[Tensor]] = {}

    class Recorder(nn.Module):
        out_range = sampler.out_range

        def __init__(self) -> None:
            super().__init__()
            self.G = sampler.G

        def forward(self, *args: Tensor) -> Tensor:
            fed.append(args)
            for s in sampler.sources:
                s.recorded = []
            try:
                x = self.G(*args)
                for law, used in sampler.layout.items():
                    parts = [sampler.sources[i].recorded[0].flatten(1) for i, _ in used]
                    drawn.setdefault(law, []).append(torch.cat(parts, dim=1))
            finally:
                for s in sampler.sources:
                    s.recorded = None
            return x

    recorder = TrainedGenerator(Recorder(), trained.cfg, trained.meta, trained.latent)
    recorder.truncation = trained.truncation
    recorder.sample(n, seed=seed, y=y, codes=codes, truncation=truncation)
    g_in = torch.cat([a[0] for a in fed])
    latent = trained.latent
    out = {"z": g_in[:, :latent.z_dim]}
    if latent.n_classes:
        out["y"] = torch.cat([a[1] for a in fed])
    start = latent.z_dim
    for c in latent.codes:  # g_args put one-hot categorical and continuous codes after z, in order
        part = g_in[:, start:start + c.dim]
        out[c.name] = part.argmax(dim=1) if c.kind == "categorical" else part
        start += c.dim
    if sampler.styled:
        out["psi"] = torch.full((n,), float(sampler.G.truncation_psi))
    for law, parts in drawn.items():
        out[_NOISE_INPUT[law]] = torch.cat(parts)
    return {k: v.numpy().astype(np.int64 if k == "y" or _is_categorical(latent, k) else np.float32)
            for k, v in out.items()}


def _is_categorical(latent, name: str) -> bool:
    return any(c.name == name and c.kind == "categorical" for c in latent.codes)


# ---------------------------------------------------------------- writing the file
def export(run_dir: str | Path, *, format: str | None = None, out: str | Path, ema: bool = True,
           checkpoint: str | None = None) -> dict:
    """Write the sampling network of ``run_dir`` (its EMA where the run keeps one, unless ``ema``
    is False) to ``out`` as ``format`` ("onnx" or "torchscript"; default: from out's suffix, .onnx
    or .pt), and its model card to ``out`` + ".card.json". The file is checked against ``sample``
    before it is put in place (refused beyond 1e-2; the figure is in the card). ``checkpoint``:
    best, last (None) or a folder under RUN/checkpoints. Returns the card."""
    from .runs.load import load, resolve_run

    run_dir, chosen = resolve_run(run_dir, checkpoint)
    out = Path(out)
    format = _check_format(format, out)
    card_path = out.with_name(out.name + ".card.json")
    for path in (out, card_path):
        if path.exists() or path.is_symlink():
            raise GanforgeError(f"--out: {path} exists; ganforge export never overwrites: choose another name or "
                                f"delete it")
    if not out.parent.is_dir():
        raise GanforgeError(f"--out {out}: the folder {out.parent} does not exist")
    trained = _load_samplable(run_dir, load, ema, chosen)
    sampler = Sampler(trained)
    _check_deterministic(sampler, trained)
    examples = {k: torch.from_numpy(v) for k, v in sample_inputs(trained, CHECK_N, seed=0).items()}
    expected = trained.sample(CHECK_N, seed=0)

    from .run_dir import atomic_write

    with atomic_write(out) as tmp:
        if format == "onnx":
            _write_onnx(sampler, examples, tmp)
            got = _run_onnx(tmp, examples)
        else:
            _write_torchscript(sampler, examples, tmp)
            got = _run_torchscript(tmp, examples)
        diff = float((got - expected).abs().max())
        if not diff <= REFUSE_ABOVE:
            raise GanforgeError(f"the exported {format} network differs from `ganforge sample` by {diff:.3g} (more "
                                f"than {REFUSE_ABOVE:g}); nothing was written. Please report this with the run's recipe")
    card = model_card(run_dir, trained, sampler, format=format, out=out, check_diff=diff)
    with atomic_write(card_path) as tmp:
        tmp.write_text(json.dumps(card, indent=1, default=str, ensure_ascii=False) + "\n", encoding="utf-8")
    return card


def _check_format(format: str | None, out: Path) -> str:
    by_suffix = {suffix: name for name, suffix in FORMATS.items()}
    if format is None:
        if out.suffix.lower() not in by_suffix:
            raise GanforgeError(f"--out {out}: name an .onnx or .pt file, or give --format onnx|torchscript")
        return by_suffix[out.suffix.lower()]
    if format not in FORMATS:
        raise GanforgeError(f"unknown export format {format!r}; valid: {', '.join(FORMATS)}")
    if out.suffix.lower() != FORMATS[format]:
        raise GanforgeError(f"--out {out}: --format {format} writes a *{FORMATS[format]} file; name it so")
    return format


def _load_samplable(run_dir, load, ema: bool, checkpoint=None):
    from .runs.read import read_run

    cfg, meta = read_run(Path(run_dir))
    if meta.get("domains"):
        raise GanforgeError(f"{run_dir} is a {cfg.recipe} run: its generators translate images and draw nothing "
                            f"from noise, so there is no sampling network to export; use `ganforge translate`")
    return load(run_dir, ema=ema, checkpoint=checkpoint)


def _check_deterministic(sampler: Sampler, trained) -> None:
    """The same inputs must give the same output whatever torch's global stream holds: else G draws
    randomness of its own that the exported function does not take as an input."""
    inputs = [torch.from_numpy(v) for v in sample_inputs(trained, 2, seed=1).values()]
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)
        a = sampler(*inputs)
        torch.manual_seed(2)
        b = sampler(*inputs)
    if not torch.equal(a, b):
        raise GanforgeError(f"the {trained.cfg.recipe} generator draws random numbers the export does not take as "
                            f"inputs; it cannot be exported as a pure function")


def _dynamic_axes(names: list[str]) -> dict:
    return {name: {0: "N"} for name in names + ["x"]}


def _write_torchscript(sampler: Sampler, examples: dict[str, Tensor], path: Path) -> None:
    # the tracer warns that Python values become constants: the growth stage and the sizes, as meant
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(sampler, tuple(examples.values()), check_trace=False)
        torch.jit.save(traced, str(path))


def _run_torchscript(path: Path, inputs: dict[str, Tensor]) -> Tensor:
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit.load's notice that TorchScript is deprecated
        return torch.jit.load(str(path))(*inputs.values())


def _write_onnx(sampler: Sampler, examples: dict[str, Tensor], path: Path) -> None:
    _require("onnx")
    names = list(examples)
    # the TorchScript-based exporter (it exports every recipe here as traced, without onnxscript); it
    # warns about its own deprecation and, as the tracer does, about Python values taken as constants
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(sampler, tuple(examples.values()), str(path), dynamo=False, input_names=names,
                          output_names=["x"], dynamic_axes=_dynamic_axes(names), opset_version=OPSET)


def _run_onnx(path: Path, inputs: dict[str, Tensor]) -> Tensor:
    ort = _require("onnxruntime")
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, torch.get_num_threads())
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return torch.from_numpy(session.run(["x"], {k: v.numpy() for k, v in inputs.items()})[0])


def _require(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise GanforgeError(f"ONNX export needs {module}: pip install 'ganforge[export]' (onnx and onnxruntime)") \
            from None


__all__ = ["FORMATS", "Sampler", "export", "model_card", "sample_inputs"]
