"""Typed configuration. Every default is declared once, here; recipes and YAML files are
small diffs over it. Unknown keys and values of the wrong type fail at load time with the
path of the offending key and the valid choices.

Resolution order (later wins): these defaults → the recipe's diff → the recipe's diff for
the chosen dataset → ``--config FILE.yaml`` → ``--set key=value`` → explicit CLI flags.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import numbers
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import yaml

from .errors import GanforgeError

AT_LEAST_1 = {"min": 1}  # field metadata: the smallest valid value (checked by ``build``)
SEED_MAX = 2**63 - 1  # every seed is a whole number 0 … 2⁶³−1 (torch's and NumPy's generators both take these)
A_SEED = {"min": 0, "max": SEED_MAX}


def check_seed(seed: Any, name: str = "seed") -> int:
    """A seed given to a public entry point: a whole number 0 … 2⁶³−1 (NumPy integers too)."""
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or not 0 <= seed <= SEED_MAX:
        raise GanforgeError(f"{name} must be a whole number from 0 to 2**63-1, got {seed!r}")
    return int(seed)


@dataclass
class NetConfig:
    """One network: an architecture from the model registry and its constructor arguments."""

    arch: str = "mlp_generator"
    args: dict = field(default_factory=dict)
    spectral_norm: bool = False  # spectral normalisation (Miyato et al., 2018) of every conv / linear / embedding


@dataclass
class OptimConfig:
    """An optimiser and its schedule.

    ``exponential``: lr at update t of this optimiser is max(lr / lr_decay**t, lr_min)
    (pylearn2's ExponentialDecay).
    momentum ramps linearly from ``momentum`` to ``momentum_final`` between updates
    ``momentum_ramp[0]`` and ``momentum_ramp[1]`` (pylearn2's MomentumAdjustor, in updates).
    """

    name: str = "adam"  # sgd | adam | rmsprop
    lr: float = 2e-4
    betas: list[float] = field(default_factory=lambda: [0.5, 0.999])
    eps: float = 1e-8
    momentum: float = 0.0
    momentum_final: Union[float, None] = None
    momentum_ramp: list[int] = field(default_factory=lambda: [0, 0])
    lr_decay: float = 1.0
    lr_min: float = 0.0
    weight_decay: float = 0.0
    # the lr schedule (registry ``LR_SCHEDULES``): exponential (above; constant when lr_decay is 1),
    # constant, or linear (lr constant until training step ``decay_start``, then linearly down to
    # lr_min at ``decay_end``, default the run's last step: WGAN-GP, CycleGAN), or step (lr divided
    # by lr_decay every ``decay_every`` training steps, floored at lr_min: BEGAN's halving), or cosine
    # (as linear, along half a cosine: R3GAN)
    schedule: str = "exponential"
    # decay_start / decay_end: a training step, or a number between 0 and 1 for that share of the run
    # (0.5: half of train.steps, however long the run), so that a schedule follows --steps
    decay_start: Union[int, float] = 0
    decay_end: Union[int, float, None] = None
    decay_every: Union[int, None] = None


@dataclass
class DataConfig:
    name: str = "digits"  # a registered dataset name, or a folder / .zip of images
    root: Union[str, None] = None  # where named datasets live (torchvision layout)
    split: str = "train"
    image_size: Union[list[int], None] = field(default=None, metadata=AT_LEAST_1)  # [H, W] to resize to; None: native
    channels: Union[int, None] = field(default=None, metadata=AT_LEAST_1)  # 1 or 3 to convert to; None: native
    limit: Union[int, None] = field(default=None, metadata=AT_LEAST_1)  # use only the first N examples
    args: dict = field(default_factory=dict)  # dataset-specific options (toy targets)
    # a folder / .zip streamed from disk instead of held in memory (docs/streaming.md): auto streams when
    # its decoded images would take more than half of the available memory; true forces it, false never
    stream: Union[bool, str] = "auto"
    stream_cache: Union[str, None] = None  # the streamed chunks' folder; None: $GANFORGE_CACHE/stream or ~/.cache/ganforge/stream
    workers: Union[int, str] = "auto"  # processes reading a streamed set per rank (0: the training process); auto: litdata's advice
    # a CSV of file,label rows (file paths relative to the folder; header optional) giving a folder's class
    # labels; None: the first-level sub-folders name the classes (DIR/<class>/*.png), when every image sits in one
    labels: Union[str, None] = None
    # how images are brought to data.image_size when their aspect ratio differs (docs/own-data.md): crop
    # (scale to cover, centre crop), pad (scale to fit inside, pad by repeating the edge pixels) or stretch
    fit: str = "crop"
    mirror: bool = False  # flip each real image left-right with probability ½ as it is drawn (never G's samples)


MATMUL_PRECISIONS = ("highest", "high", "medium")  # torch.set_float32_matmul_precision's values


@dataclass
class TrainConfig:
    steps: int = 10000  # outer iterations (each: d_steps D updates, then g_steps G updates)
    batch_size: int = 64  # global batch; split across every process (--devices × --num-nodes)
    seed: int = field(default=0, metadata=A_SEED)
    device: str = "auto"  # auto | cpu | cuda | mps
    devices: int = 1  # processes (GPUs) per node
    num_nodes: int = field(default=1, metadata=AT_LEAST_1)  # machines, each running --devices processes (docs/multi-node.md)
    precision: str = "32"  # 32 | bf16-mixed | 16-mixed
    # torch.set_float32_matmul_precision while training: highest (exact fp32) | high (TF32 on CUDA GPUs) |
    # medium (bf16 inside fp32 matrix products, on CPUs through oneDNN; weights, activations and gradients
    # stay fp32); None leaves torch's process-wide setting as it is (highest unless changed)
    matmul_precision: Union[str, None] = None
    log_every: int = 100
    sample_every: int = 500
    ckpt_every: int = 500
    n_grid: int = field(default=64, metadata=AT_LEAST_1)
    keep_checkpoints: int = field(default=2, metadata=AT_LEAST_1)  # the last K complete checkpoints stay on disk
    compile: bool = False  # torch.compile G and D
    channels_last: bool = False
    threads: Union[int, None] = None  # torch intra-op threads on CPU; None keeps torch's default
    time_limit_s: Union[float, None] = None  # stop (with a checkpoint) once training has run this long
    g_batch_size: Union[int, None] = None  # G's batch when it differs from D's (SN-GAN's code: 2× D's)
    ema_decay: Union[float, None] = None  # EMA of the sampling network's weights (BigGAN 0.9999); None: off
    # the EMA's half-life in real images, instead of a fixed decay: 0.5^(images of the step / half-life) per step
    # (StyleGAN's G_smoothing_kimg = 10: 10,000), so a minibatch that changes with resolution keeps its span
    ema_half_life: Union[float, None] = None
    ema_start: int = 0  # EMA copies the weights until this step, then averages (BigGAN: 20,000)
    # the EMA network's buffers (batch-norm statistics, spectral-norm vectors): copy (StyleGAN2-ADA) or
    # average (BigGAN-PyTorch averages the whole state dict, buffers included)
    ema_buffers: str = "copy"
    tensorboard: bool = False  # also write scalars and sample grids to RUN/tensorboard (the tensorboard extra)
    keep_freed_memory: bool = True  # glibc: reuse freed blocks instead of re-faulting pages each step (training/memory.py)
    # evaluation while training with a health state and advice (docs/health.md): every this many steps; auto:
    # about 10 per run, ≥ 500 steps apart, on digits, mnist, fashion-mnist and cifar10 (shipped classifiers); 0: off
    eval_every: Union[int, str] = "auto"
    eval_samples: int = field(default=2000, metadata={"min": 16})  # samples (and held-out reals) per evaluation
    stop_when: Union[str, None] = None  # plateau:N (evaluations without a new best) or unhealthy:N in a row; None: never

    @property
    def world_size(self) -> int:
        """Processes in the whole run: the global batch is split across these."""
        return self.devices * self.num_nodes


@dataclass
class CodeConfig:
    """A latent code beside z (InfoGAN): ``categorical`` with ``dim`` values (fed one-hot), or
    ``uniform`` (U[−1, 1]) / ``normal`` continuous with ``dim`` dimensions."""

    name: str = "c"
    kind: str = "categorical"
    dim: int = field(default=10, metadata=AT_LEAST_1)


@dataclass
class Config:
    recipe: str = "gan"
    data: DataConfig = field(default_factory=DataConfig)
    # the second domain of a two-domain recipe (CycleGAN's B: --data-b); None: one dataset, or, for
    # such a recipe, --data naming a folder in CycleGAN's layout (trainA/ trainB/ testA/ testB/)
    data_b: Union[DataConfig, None] = None
    G: NetConfig = field(default_factory=NetConfig)
    D: NetConfig = field(default_factory=lambda: NetConfig(arch="mlp_discriminator"))
    z_dim: int = field(default=100, metadata=AT_LEAST_1)
    z_dist: str = "normal"  # normal | uniform (U[-1, 1])
    loss: str = "minimax"
    g_objective: Union[str, None] = None  # None: the loss family's default
    d_penalties: dict = field(default_factory=dict)  # name → weight, or {weight, every}: {"gp": 10.0}, {"r1": {"weight": 5, "every": 16}}
    nets: dict[str, NetConfig] = field(default_factory=dict)  # networks beyond G and D (InfoGAN's Q)
    conditional: bool = False  # labels from the data reach G(z, y) and D(x, y)
    codes: list[CodeConfig] = field(default_factory=list)  # latent codes beside z (InfoGAN)
    g_penalties: dict = field(default_factory=dict)  # regularisers of G: name → weight or {weight, every}
    # differentiable augmentation of every image D sees (docs/augmentation.md): diffaugment (color,
    # translation, cutout; or a list of them) | ada (adaptive p); None: off
    augment: Union[str, list[str], None] = None
    augment_args: dict = field(default_factory=dict)  # ADA's {target, interval, kimg, p, groups}
    d_clip: Union[float, None] = None  # clip every D parameter to [−c, c] after each D update (WGAN)
    d_steps: int = 1  # D updates per outer iteration (k in Algorithm 1)
    g_steps: int = 1  # G updates per outer iteration (the reverse ratio when > 1)
    # alternating: Algorithm 1 as printed (D's update, then G's on fresh noise); simultaneous: both
    # players' gradients from one minibatch and one forward pass, applied together (the 2014 code)
    update_order: str = "alternating"
    # the recipe's own hyper-parameters (EBGAN's margin, BEGAN's γ); `ganforge list -v` lists them
    recipe_args: dict = field(default_factory=dict)
    # each player's optimiser, by player name (opt.G, opt.D; a recipe with more players names theirs,
    # e.g. opt.Q); a player with no entry here gets OptimConfig's defaults
    opt: dict[str, OptimConfig] = field(default_factory=lambda: {"G": OptimConfig(), "D": OptimConfig()})
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def optimizer(self, player: str) -> OptimConfig:
        """The optimiser settings of the player named ``player`` (OptimConfig's defaults when the
        config names none for it)."""
        return self.opt.get(player) or OptimConfig()


# ---------------------------------------------------------------------------------- building


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _coerce(value: Any, tp: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, path)
            except GanforgeError as err:
                errors.append(str(err))
        raise GanforgeError(errors[0] if errors else f"{path}: bad value {value!r}")
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise GanforgeError(f"config key {path!r} must be a mapping, got {value!r}")
        return build(tp, value, path)
    if origin in (list, tuple):
        (item_tp,) = typing.get_args(tp)[:1] or (Any,)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and item_tp is int:
            value = [value, value]  # "image_size=32" means 32×32
        if not isinstance(value, (list, tuple)):
            raise GanforgeError(f"config key {path!r} must be a list, got {value!r}")
        return [_coerce(v, item_tp, f"{path}[{i}]") for i, v in enumerate(value)]
    if tp is dict or origin is dict:
        if not isinstance(value, dict):
            raise GanforgeError(f"config key {path!r} must be a mapping, got {value!r}")
        args = typing.get_args(tp)
        if len(args) == 2 and dataclasses.is_dataclass(args[1]):
            return {str(k): _coerce(v, args[1], f"{path}.{k}") for k, v in value.items()}
        return dict(value)
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        raise GanforgeError(f"config key {path!r} must be true or false, got {value!r}")
    if tp is int:
        if isinstance(value, bool):
            raise GanforgeError(f"config key {path!r} must be an integer, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
        raise GanforgeError(f"config key {path!r} must be an integer, got {value!r}")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):  # YAML 1.1 reads "1e-4" as a string
            try:
                return float(value)
            except ValueError:
                pass
        raise GanforgeError(f"config key {path!r} must be a number, got {value!r}")
    if tp is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        raise GanforgeError(f"config key {path!r} must be a string, got {value!r}")
    return value


def build(cls: type, data: dict, path: str = "") -> Any:
    """Build dataclass ``cls`` from a (partial) nested dict, checking keys and types."""
    if cls is Config and isinstance(data, dict) and LEGACY_KEYS & set(data):
        data = migrate(data)
    if not isinstance(data, dict):
        raise GanforgeError(f"config section {path or 'top level'!r} must be a mapping of keys to values, got {data!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    names = list(fields)
    kwargs = {}
    for key, value in data.items():
        full = f"{path}.{key}" if path else str(key)
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f" (did you mean {(path + '.' if path else '') + close[0]!r}?)" if close else ""
            raise GanforgeError(
                f"unknown config key {full!r}{hint}; valid keys here: {', '.join(names)}"
            )
        kwargs[key] = _coerce(value, hints[key], full)
        _check_range(kwargs[key], fields[key].metadata, full)
    obj = cls()
    for key, value in kwargs.items():
        default = getattr(obj, key)
        if dataclasses.is_dataclass(default) and isinstance(data[key], dict):
            # merge a partial section over the section's defaults
            value = build(type(default), {**dataclasses.asdict(default), **data[key]}, f"{path}.{key}".lstrip("."))
        setattr(obj, key, value)
    return obj


def _check_range(value: Any, bounds: dict, path: str) -> None:
    """A number (or every number of a list) outside a field's declared ``min`` … ``max`` is refused."""
    least, most = bounds.get("min"), bounds.get("max")
    if value is None or (least is None and most is None):
        return
    for v in value if isinstance(value, list) else [value]:
        if least is not None and v < least:
            raise GanforgeError(f"config key {path!r} must be ≥ {least}, got {value!r}")
        if most is not None and v > most:
            raise GanforgeError(f"config key {path!r} must be ≤ {most}, got {value!r}")


LEGACY_KEYS = {"spectral_norm", "opt_G", "opt_D", "d_steps_boost"}


def migrate(data: dict) -> dict:
    """A config diff (or an older run's whole config) in today's keys:

    - a top-level ``spectral_norm`` meant spectral norm on D: ``D.spectral_norm``;
    - ``opt_G`` / ``opt_D``: the optimisers of players G and D, ``opt.G`` / ``opt.D`` (merged
      under any ``opt`` entry the same diff gives);
    - ``d_steps_boost`` (WGAN's critic schedule): ``recipe_args.d_steps_boost`` (null turns it off).
    """
    data = copy.deepcopy(data)
    if "spectral_norm" in data:
        sn = data.pop("spectral_norm")
        if sn is not None:
            data.setdefault("D", {})
            if isinstance(data["D"], dict):
                data["D"].setdefault("spectral_norm", sn)
    for player in ("G", "D"):
        if f"opt_{player}" in data:
            old = data.pop(f"opt_{player}")
            opt = data.setdefault("opt", {})
            if isinstance(opt, dict):
                opt[player] = deep_merge(old, opt.get(player) or {}) if isinstance(old, dict) else old
    if "d_steps_boost" in data:
        boost = data.pop("d_steps_boost")
        args = data.setdefault("recipe_args", {})
        if isinstance(args, dict):
            args.setdefault("d_steps_boost", boost)
    return data


def deep_merge(base: dict, diff: dict) -> dict:
    """Return ``base`` with ``diff`` merged in; nested dicts merge, everything else replaces."""
    out = copy.deepcopy(base)
    for key, value in diff.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def parse_set(items: list[str]) -> dict:
    """``["train.steps=10", "G.args.hidden=[256,256]"]`` → a nested dict (values parsed as YAML)."""
    out: dict = {}
    for item in items:
        if "=" not in item:
            raise GanforgeError(f"--set {item!r}: expected KEY=VALUE, e.g. --set train.log_every=50")
        key, raw = item.split("=", 1)
        key = key.strip()
        if not key:
            raise GanforgeError(f"--set {item!r}: empty key")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError as err:
            raise GanforgeError(f"--set {item!r}: the value is not valid YAML ({_one_line(err)}); quote strings, "
                                f"close brackets, e.g. --set G.args.hidden=[256,256]") from None
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise GanforgeError(f"--set {item!r}: {part!r} is set twice")
        _check_section(parts, value, item)
        node[parts[-1]] = value
    return out


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split())


def _check_section(parts: list[str], value: Any, item: str) -> None:
    """``--set train=5`` would replace a whole section with a scalar: name its keys instead."""
    cls: Any = Config
    for part in parts:
        hints = typing.get_type_hints(cls) if dataclasses.is_dataclass(cls) else {}
        if part not in hints:
            return  # unknown keys are reported by ``build`` with the valid ones
        cls = hints[part]
    if dataclasses.is_dataclass(cls) and not isinstance(value, dict):
        keys = ", ".join(f.name for f in dataclasses.fields(cls))
        raise GanforgeError(f"--set {item!r}: {'.'.join(parts)} is a section, not a value; set one of its keys, "
                            f"e.g. --set {'.'.join(parts)}.KEY=VALUE ({keys})")


def to_sets(diff: dict, prefix: str = "") -> list[str]:
    """A nested config diff → ``--set key=value`` strings (the inverse of ``parse_set``); an
    ``args`` mapping is split into one item per argument."""
    import json

    out = []
    for key, value in diff.items():
        if isinstance(value, dict) and key != "args":
            out += to_sets(value, f"{prefix}{key}.")
        elif isinstance(value, dict):
            out += [f"{prefix}{key}.{a}={json.dumps(b)}" for a, b in value.items()]
        else:
            out.append(f"{prefix}{key}={json.dumps(value)}")
    return out


def load_yaml(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise GanforgeError(f"config file {str(path)!r} does not exist; pass an existing YAML file to --config")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError as err:
        raise GanforgeError(f"config file {str(path)!r} is not UTF-8 text ({err.reason} at byte {err.start}); "
                            f"save it as UTF-8") from None
    except yaml.YAMLError as err:
        raise GanforgeError(f"config file {str(path)!r} is not valid YAML (tags such as !!python are refused): "
                            f"{_one_line(err)}") from None
    except OSError as err:
        raise GanforgeError(f"config file {str(path)!r} cannot be read: {err.strerror}") from None
    if not isinstance(data, dict):
        raise GanforgeError(f"config file {str(path)!r} must hold a mapping of keys to values")
    return data


def dump_yaml(cfg: Config) -> str:
    return yaml.safe_dump(cfg.to_dict(), sort_keys=False)
