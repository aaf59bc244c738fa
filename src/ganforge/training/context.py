"""What a player's step may read: ``StepContext``. Steps never call backward() or step().

    ctx.nets["D"], ctx.G, ctx.D        the networks (DDP-wrapped under --devices N)
    ctx.batch() -> Batch(x, y)          the next real minibatch (y: labels, conditional runs)
    ctx.batch("b")                      the next minibatch of data source "b" (CycleGAN's domain B)
    ctx.latent() -> {"z", "y", codes}   a fresh draw of G's inputs; ctx.generate(lat) runs G
    ctx.discriminate(x, y)              D(x) or D(x, y), through the run's augmentation when it has one
    ctx.frozen("D")                     forward without D's weight gradients (G's step)
    ctx.state["k"]                      recipe state, checkpointed with everything else
    ctx.state_value("k"), ctx.set_state  a 0-d state tensor read / written as a number, without a sync
    ctx.report("m_global", m)           statistics, averaged over the log interval
    ctx.global_mean(t)                  t averaged over the ranks (state every rank must agree on)
    ctx.step, ctx.updates[player]       the outer step and each player's update count
    ctx.reset_optimizers()              forget the optimisers' moments (PGGAN, when a new block enters)
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator, NamedTuple

import torch
from torch import Tensor, nn

from ..config import Config
from ..nn.host_scalar import HostScalar
from . import stats
from .latent import LatentSpec

if TYPE_CHECKING:  # pragma: no cover
    from ..data.base import BatchSampler, TensorData
    from ..losses import LossFamily


def couples_examples(D: nn.Module) -> bool:
    """Whether D's score of one example depends on the rest of its batch (batch norm, or a
    ``batch_statistics`` attribute: PGGAN's minibatch standard deviation). Such a D must see reals
    and fakes in separate passes, else its batch statistics mix the two."""
    has_bn = any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in D.modules())
    return has_bn or bool(getattr(D, "batch_statistics", False))


class Source(NamedTuple):
    """A named data source and the sampler that walks it (the run's data is source "a"; a
    two-domain recipe's second domain is "b")."""

    data: "TensorData"
    sampler: "BatchSampler"


class Batch(NamedTuple):
    x: Tensor  # [N, ...] in the generator's output range
    y: Tensor | None  # int64 [N] class labels (conditional runs), else None


@dataclass
class StepContext:
    cfg: Config
    nets: dict[str, nn.Module]  # as the trainer runs them (DDP / compile wrappers)
    raw: dict[str, nn.Module]  # the plain modules (parameters, state dicts)
    data: "TensorData"
    sampler: "BatchSampler"
    loss: "LossFamily"
    g_loss: Callable[..., Tensor]
    latent_spec: LatentSpec
    noise_gen: torch.Generator
    device: torch.device
    rank: int = 0
    world: int = 1
    no_sync: Callable[[nn.Module], contextlib.AbstractContextManager] = lambda m: contextlib.nullcontext()
    mean_over_ranks: Callable[[Tensor], Tensor] | None = None  # Fabric's all-reduce (mean) under DDP, else None
    out_range: tuple[float, float] | None = (0.0, 1.0)
    state: dict[str, Tensor] = field(default_factory=dict)
    step: int = 0  # outer steps completed before this one
    updates: dict[str, int] = field(default_factory=dict)  # optimiser updates per player
    player: str = ""  # the player whose step is running
    optimizers: dict = field(default_factory=dict)  # player name → optimiser (for reset_optimizers and lr hooks)
    sources: dict[str, Source] = field(default_factory=dict)  # every data source by name; "a" is data/sampler
    augment: Callable | None = None  # the run's augmentation of what D sees (``augment``), or None
    _host: dict[str, HostScalar] = field(default_factory=dict, repr=False)  # state values kept on the host

    # ------------------------------------------------------------------ networks
    @property
    def G(self) -> nn.Module:
        return self.nets["G"]

    @property
    def D(self) -> nn.Module:
        return self.nets["D"]

    @functools.cached_property
    def joint_d_forward(self) -> bool:
        """One D pass on cat(real, fake) is the same maths as two when D scores each example on its
        own (``couples_examples``)."""
        D = self.raw.get("D")
        return D is None or not couples_examples(D)

    @property
    def conditional(self) -> bool:
        return self.latent_spec.n_classes is not None

    def generate(self, lat: dict[str, Tensor]) -> Tensor:
        """G on a latent draw: G(z), G(z, y) or G(cat(z, codes))."""
        return self.G(*self.latent_spec.g_args(lat))

    def discriminate(self, x: Tensor, y: Tensor | None = None, **kw) -> Tensor:
        """D's raw scores [N]; the class reaches D only in conditional runs. With ``augment`` set,
        D sees every image through the run's augmentation (the one seam for all recipes)."""
        if self.augment is not None:
            x = self.augment(self, x)
        return self.D(x, y, **kw) if self.conditional else self.D(x, **kw)

    @contextlib.contextmanager
    def frozen(self, module: nn.Module | str) -> Iterator[None]:
        """Forward through ``module`` without computing its parameter gradients (and without
        DDP gradient sync): G's step needs ∂D/∂x only, not ∂D/∂θ_D."""
        if isinstance(module, str):
            module = self.nets[module]
        params = [p for p in module.parameters() if p.requires_grad]
        for p in params:
            p.requires_grad_(False)
        try:
            with self.no_sync(module):
                yield
        finally:
            for p in params:
                p.requires_grad_(True)

    # ------------------------------------------------------------------ data and latents
    @property
    def local_batch(self) -> int:
        return self.cfg.train.batch_size // self.world

    @property
    def g_batch(self) -> int:
        """G's per-rank batch (train.g_batch_size, else D's)."""
        return (self.cfg.train.g_batch_size or self.cfg.train.batch_size) // self.world

    def batch(self, source: str = "a") -> Batch:
        """The next real minibatch for this rank from data source ``source``, in the generator's
        output range: the run's data (``"a"``), or another named source (``"b"``, a two-domain
        recipe's second domain)."""
        if source == "a" and source not in self.sources:
            data, sampler = self.data, self.sampler
        elif source in self.sources:
            data, sampler = self.sources[source]
        else:
            raise KeyError(f"ctx.batch({source!r}): this run's data sources are {', '.join(sorted(self.sources))} "
                           f"(a second domain comes from a recipe's `domains`)")
        x, y = data.take(sampler.next(), sampler, labels=self.conditional)
        return Batch(data.to_model(x, self.out_range), y)

    def real(self) -> Tensor:
        return self.batch().x

    def latent(self, n: int | None = None) -> dict[str, Tensor]:
        """G's inputs for this rank: the global batch is drawn identically on every rank, then
        sliced, so a run on N ranks sees exactly the latents of a run on one."""
        n = n or self.local_batch
        lat = self.latent_spec.sample(n * self.world, generator=self.noise_gen)
        return {k: v[self.rank * n : (self.rank + 1) * n].to(self.device, non_blocking=True) for k, v in lat.items()}

    def noise(self, n: int | None = None) -> Tensor:
        return self.latent(n)["z"]

    def global_mean(self, value: Tensor) -> Tensor:
        """``value`` averaged over the ranks (detached): for recipe state every rank must agree on,
        such as BEGAN's k_t, which is driven by losses each rank sees only on its slice."""
        value = value.detach()
        return value if self.mean_over_ranks is None else self.mean_over_ranks(value.clone())

    def reset_optimizers(self, *players: str) -> None:
        """Clear the named players' optimiser state (all players' when none is named): Adam's
        moments and step count start again, as PGGAN and StyleGAN do whenever a new block enters
        (the authors' reset_opt_for_new_lod). Call from ``before_step``; the learning rates stay."""
        for name in players or tuple(self.optimizers):
            self.optimizers[name].state.clear()

    # ------------------------------------------------------------------ schedule and statistics
    def state_value(self, name: str) -> float | int | bool:
        """``state[name]`` as a number without a device sync: remembered from the last
        ``set_state`` or read, and read from the device again only when the tensor changed
        elsewhere (a resume)."""
        return self._host.setdefault(name, HostScalar()).get(self.state[name])

    def set_state(self, name: str, value: float | int | bool) -> None:
        """Write a number into the 0-d state tensor ``state[name]`` in place (no sync)."""
        self._host.setdefault(name, HostScalar()).set(self.state[name], value)

    def place_state(self, values: dict[str, Tensor]) -> None:
        """Put recipe state held on the host (a recipe's initial state, a checkpoint's) on the
        device, remembering each 0-d value so that ``state_value`` reads none back."""
        for name, value in values.items():
            self.state[name] = value.to(self.device)
            if value.dim() == 0 and value.device.type == "cpu":
                self._host.setdefault(name, HostScalar()).remember(self.state[name], value.item())

    def every(self, interval: int) -> bool:
        """True on the current player's updates 0, interval, 2·interval, ... (lazy regularisers)."""
        return interval <= 1 or self.updates.get(self.player, 0) % interval == 0

    @staticmethod
    def report(name: str, value: Tensor | float) -> None:
        stats.report(name, value)
