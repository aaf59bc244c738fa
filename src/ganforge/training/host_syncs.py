"""Host synchronisations per training step, counted on any machine, a CPU included.

A host sync is a call that makes Python wait until the device has finished its queued work: a
value read back (``.item()``, ``bool()``, ``float()``, ``int()``, ``.tolist()``, ``.numpy()``,
``np.asarray``, ``torch.equal``, ``torch.allclose``), a copy to the host (``.cpu()``,
``.to("cpu")``), an operation whose output shape depends on the data (``nonzero``, boolean-mask
indexing, ``masked_select``, ``unique``, ``bincount``, ``repeat_interleave`` without
``output_size``), and a blocking copy of host values to the device (``torch.tensor(v,
device=…)``, ``.to(device)`` of a host tensor without ``non_blocking``), which CUDA makes wait for
the stream. On a CPU none of them costs anything, so the counter follows the tensors instead of
the clock:

- the run trains on a *pretend device*, ``torch.device("cpu", 0)``: the same kernels as the CPU,
  but ``.to(ctx.device)``, ``torch.tensor(…, device=ctx.device)`` and factories given
  ``device=ctx.device`` name it, while ``.to("cpu")`` names the host;
- device tensors are tagged: the networks' parameters and buffers, the optimisers' moments, the
  data, the recipe state and the EMA (again at the start of every step), whatever reaches the
  pretend device, and every output of an operation with a tagged input;
- a ``TorchDispatchMode`` sees reads (``aten._local_scalar_dense``, what ``item``/``bool``/
  ``float``/``int`` dispatch to) and data-dependent shapes; a ``TorchFunctionMode`` sees the
  Python-level copies (``.cpu()``, ``.tolist()``, ``.numpy()``, ``.to(…)``, ``torch.tensor``),
  which never reach the dispatcher on a CPU.

A read of an untagged tensor (a number drawn on the host, such as StyleGAN's style-mixing coin
from torch's CPU stream) is no sync and is not counted. What the pretend device cannot see: a
tensor made with ``device=t.device`` of a device tensor ``t`` looks like a host tensor until it
meets a tagged one (reading it before then is missed). ``scripts/cuda_check.py`` counts on a
GPU with CUDA's own sync debug mode.

``count_training(cfg, out)`` trains ``cfg`` through the real loop and returns the syncs of each
outer step (everything from one step's start to the next's: the players' updates, EMA, the
statistics' accumulation, the NaN flag, the stop checks).
"""

from __future__ import annotations

import contextlib
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves
from torch.utils.weak import WeakIdKeyDictionary

PRETEND = torch.device("cpu", 0)
_TORCH = str(Path(torch.__file__).parent)

_aten = torch.ops.aten
# value reads: item/bool/float/int (→ _local_scalar_dense), and the ops that return a Python bool
_READS = {_aten._local_scalar_dense.default, _aten.equal.default, _aten.is_nonzero.default, _aten.allclose.default}
_DATA_SHAPED = {getattr(_aten, name) for name in ("nonzero", "masked_select", "_unique", "_unique2", "unique_dim",
                                                  "unique_consecutive", "unique_dim_consecutive", "bincount",
                                                  "nonzero_numpy", "argwhere") if hasattr(_aten, name)}
_INDEXING = {_aten.index.Tensor, _aten.index_put.default, _aten.index_put_.default, _aten._index_put_impl_.default}
_HOST_READS = {"cpu", "numpy", "tolist", "__array__"}  # Tensor methods that bring values to the host (np.asarray)


@dataclass
class SyncCount:
    """Syncs per outer step: ``per_step[step]`` is a Counter of kinds (read, shape, to_host,
    to_device); ``where[step]`` the source lines that made them; ``log_steps`` the steps that
    flushed statistics (or wrote samples / checkpoints), whose syncs are expected."""

    per_step: dict[int, Counter] = field(default_factory=dict)
    where: dict[int, list[str]] = field(default_factory=dict)
    log_steps: set[int] = field(default_factory=set)

    def total(self, step: int) -> int:
        return sum(self.per_step.get(step, Counter()).values())

    def between_logs(self) -> dict[int, int]:
        """Syncs of every step that is not a log step."""
        return {s: self.total(s) for s in sorted(self.per_step) if s not in self.log_steps}

    def mean_between_logs(self) -> float:
        counts = list(self.between_logs().values())
        return sum(counts) / len(counts) if counts else 0.0


class _Tags:
    """Which tensors live on the (pretend) device."""

    def __init__(self) -> None:
        self._on = WeakIdKeyDictionary()

    def add(self, obj) -> None:
        for t in tree_leaves(obj):
            if isinstance(t, Tensor):
                self._on[t] = True

    def any(self, obj) -> bool:
        return any(isinstance(t, Tensor) and t in self._on for t in tree_leaves(obj))

    def __contains__(self, t) -> bool:
        return isinstance(t, Tensor) and t in self._on


def _is_host(device) -> bool:
    if device is None:
        return False
    device = torch.device(device)
    return device.type == "cpu" and device.index is None


def _target_device(args, kwargs, tags: _Tags):
    """The device a ``Tensor.to(…)`` call names, or None (a dtype-only conversion)."""
    for a in (*args[1:], kwargs.get("device"), kwargs.get("other")):
        if isinstance(a, (str, torch.device)):
            return torch.device(a)
        if isinstance(a, Tensor):  # .to(other): other's device, the pretend one when other is tagged
            return PRETEND if a in tags else a.device
    return None


class _Recorder:
    def __init__(self) -> None:
        self.tags = _Tags()
        self.count = SyncCount()
        self.step: int | None = None  # None: not counting (setup, after the run)
        self.quiet = 0  # > 0: inside a call whose reads happen on a CPU only

    def record(self, kind: str) -> None:
        if self.step is None or self.quiet:
            return
        self.count.per_step.setdefault(self.step, Counter())[kind] += 1
        frames = [f for f in traceback.extract_stack() if f.filename != __file__ and _TORCH not in f.filename]
        where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno} {frames[-1].line}" if frames else "?"
        self.count.where.setdefault(self.step, []).append(f"{kind}: {where}")


class _Watching:
    """What both modes share: the recorder."""

    def __init__(self, rec: _Recorder) -> None:
        super().__init__()
        self.rec = rec


class _Dispatch(_Watching, TorchDispatchMode):
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        tags = self.rec.tags
        device = kwargs.get("device")
        on_device = tags.any(args) or tags.any(kwargs) or (device is not None and torch.device(device) == PRETEND)
        if on_device:
            packet = func.overloadpacket
            if func in _READS:
                self.rec.record("read")
            elif packet in _DATA_SHAPED or (packet is _aten.repeat_interleave and func is _aten.repeat_interleave.Tensor
                                             and kwargs.get("output_size") is None):
                self.rec.record("shape")
            elif func in _INDEXING and any(isinstance(i, Tensor) and i.dtype in (torch.bool, torch.uint8)
                                           for i in tree_leaves(args[1])):
                self.rec.record("shape")
            elif func is _aten._to_copy.default and _is_host(device) and tags.any(args[0]):
                self.rec.record("to_host")
            elif (func is _aten.copy_.default and args[0] in tags and args[1] not in tags
                  and not kwargs.get("non_blocking", args[2] if len(args) > 2 else False)):
                self.rec.record("to_device")  # a host tensor copied into a device one, blocking
        out = func(*args, **kwargs)
        if on_device:
            tags.add(out)
        return out


class _Calls(_Watching, TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        tags = self.rec.tags
        source_on_device = bool(args) and args[0] in tags
        if name in _HOST_READS and source_on_device:
            self.rec.record("to_host")
        elif name == "to" and args and isinstance(args[0], Tensor):
            target = _target_device(args, kwargs, tags)
            non_blocking = kwargs.get("non_blocking", False)
            if target is not None and _is_host(target) and source_on_device:
                self.rec.record("to_host")
            elif target == PRETEND and not source_on_device and not non_blocking and not args[0].is_pinned():
                self.rec.record("to_device")
        elif name in ("tensor", "as_tensor") and kwargs.get("device") is not None \
                and torch.device(kwargs["device"]) == PRETEND:
            self.rec.record("to_device")
        # F.one_hot(y, n) checks y's range with two reads on a CPU only; on a GPU scatter asserts on the device
        quiet = name == "one_hot" and (kwargs.get("num_classes", args[1] if len(args) > 1 else -1) >= 0)
        self.rec.quiet += quiet
        try:
            out = func(*args, **kwargs)
        finally:
            self.rec.quiet -= quiet
        if name == "to" and isinstance(out, Tensor) and (source_on_device or _target_device(args, kwargs, tags) == PRETEND):
            tags.add(out)
        elif name in ("tensor", "as_tensor") and isinstance(out, Tensor) and kwargs.get("device") is not None \
                and torch.device(kwargs["device"]) == PRETEND:
            tags.add(out)
        return out


class _OnPretendDevice:
    """A Lightning Fabric whose ``device`` is the pretend device; everything else is the Fabric's."""

    def __init__(self, fabric) -> None:
        self._fabric = fabric

    @property
    def device(self) -> torch.device:
        return PRETEND

    def __getattr__(self, name):
        return getattr(self._fabric, name)


def _device_tensors(run) -> list[Tensor]:
    """What a run keeps on its device between steps."""
    out: list[Tensor] = []
    nets = [*run.raw.values(), *run.nets.values()] + ([run.ema.net] if run.ema is not None else [])
    for net in nets:
        out += list(net.parameters()) + list(net.buffers())
    for source in run.sources.values():
        out += [v for v in vars(source.data).values() if isinstance(v, Tensor)]
    out += [v for v in run.ctx.state.values() if isinstance(v, Tensor)]
    for opt in run.opts.values():
        for st in getattr(opt, "optimizer", opt).state.values():
            # "step" is a host scalar unless the optimiser is fused or capturable, and nothing reads it then
            out += [v for k, v in st.items() if k != "step" and isinstance(v, Tensor)]
    return out


@contextlib.contextmanager
def watching(*device_tensors: Tensor):
    """Count the syncs of the block (as step 0) with ``device_tensors`` on the pretend device:
    ``with watching(x) as count: …; count.total(0)``."""
    rec = _Recorder()
    rec.tags.add(list(device_tensors))
    rec.step = 0
    rec.count.per_step[0] = Counter()
    with _Calls(rec), _Dispatch(rec):
        yield rec.count


@contextlib.contextmanager
def _counting(rec: _Recorder):
    from . import loop

    make_fabric, base = loop.make_fabric, loop.TrainingRun

    class CountedRun(base):
        def step(self, step: int, log_now: bool):
            rec.step = step
            if log_now:
                rec.count.log_steps.add(step)
            rec.count.per_step.setdefault(step, Counter())
            rec.tags.add(_device_tensors(self))
            return super().step(step, log_now)

    loop.make_fabric = lambda cfg: _OnPretendDevice(make_fabric(cfg))
    loop.TrainingRun = CountedRun
    try:
        with _Calls(rec), _Dispatch(rec):
            yield
    finally:
        loop.make_fabric, loop.TrainingRun = make_fabric, base
        rec.step = None


def count_training(cfg, out: Path) -> SyncCount:
    """Train ``cfg`` (a resolved ``Config``, single process) into ``out`` and count each outer
    step's host syncs. Steps that log (``train.log_every``), sample or checkpoint are in
    ``log_steps``: their flush is meant to sync."""
    from .loop import run_training

    t = cfg.train
    if t.devices != 1:
        raise ValueError("count_training runs one process")
    rec = _Recorder()
    with _counting(rec):
        run_training(cfg, out, console=False)
    steps = t.steps
    rec.count.log_steps |= {s for s in rec.count.per_step
                            if (s + 1) % t.sample_every == 0 or (s + 1) % t.ckpt_every == 0 or s + 1 == steps}
    return rec.count
