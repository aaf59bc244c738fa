"""What a player's step may read: ``StepContext``. Steps never call backward() or step().

    ctx.nets["D"], ctx.G, ctx.D        the networks (DDP-wrapped under --devices N)
    ctx.batch() -> Batch(x, y)          the next real minibatch (y: labels, conditional runs)
    ctx.batch("b")                      domain B's next minibatch (two-domain recipes: CycleGAN)
    ctx.latent() -> {"z", "y", codes}   a fresh draw of G's inputs; ctx.generate(lat) runs G
    ctx.discriminate(x, y)              D(x) or D(x, y)
    ctx.frozen("D")                     forward without D's weight gradients (G's step)
    ctx.state["k"]                      recipe state, checkpointed with everything else
    ctx.report("m_global", m)           statistics, averaged over the log interval
    ctx.global_mean(t)                  t averaged over the ranks (state every rank must agree on)
    ctx.step, ctx.updates[player]       the outer step and each player's update count
    ctx.reset_optimizers()              forget the optimisers' moments (PGGAN, when a new block enters)
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator, NamedTuple

import torch
from torch import Tensor, nn

from ..config import Config
from . import stats
from .latent import LatentSpec

if TYPE_CHECKING:  # pragma: no cover
    from ..data.base import BatchSampler, TensorData
    from ..losses import LossFamily


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
    joint_d_forward: bool = True  # one D pass on cat(real, fake) when D has no batch norm
    no_sync: Callable[[nn.Module], contextlib.AbstractContextManager] = lambda m: contextlib.nullcontext()
    mean_over_ranks: Callable[[Tensor], Tensor] | None = None  # Fabric's all-reduce (mean) under DDP, else None
    out_range: tuple[float, float] | None = (0.0, 1.0)
    state: dict[str, Tensor] = field(default_factory=dict)
    step: int = 0  # outer steps completed before this one
    updates: dict[str, int] = field(default_factory=dict)  # optimiser updates per player
    player: str = ""  # the player whose step is running
    optimizers: dict = field(default_factory=dict)  # player name → optimiser (for reset_optimizers and lr hooks)
    data_b: "TensorData | None" = None  # a two-domain recipe's domain B, with its own sampler
    sampler_b: "BatchSampler | None" = None

    # ------------------------------------------------------------------ networks
    @property
    def G(self) -> nn.Module:
        return self.nets["G"]

    @property
    def D(self) -> nn.Module:
        return self.nets["D"]

    @property
    def conditional(self) -> bool:
        return self.latent_spec.n_classes is not None

    def generate(self, lat: dict[str, Tensor]) -> Tensor:
        """G on a latent draw: G(z), G(z, y) or G(cat(z, codes))."""
        return self.G(*self.latent_spec.g_args(lat))

    def discriminate(self, x: Tensor, y: Tensor | None = None, **kw) -> Tensor:
        """D's raw scores [N]; the class reaches D only in conditional runs."""
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

    def batch(self, domain: str = "a") -> Batch:
        """The next real minibatch for this rank, in the generator's output range: of the data
        (``"a"``), or of the second domain (``"b"``) in a two-domain recipe."""
        if domain not in ("a", "b"):
            raise ValueError(f"domain must be 'a' or 'b', got {domain!r}")
        if domain == "b" and self.data_b is None:
            raise RuntimeError("ctx.batch('b'): this run has one domain (the recipe sets no `domains`)")
        data, sampler = (self.data, self.sampler) if domain == "a" else (self.data_b, self.sampler_b)
        idx = sampler.next().to(self.device, non_blocking=True)
        x = data.to_model(data.x.index_select(0, idx), self.out_range)
        y = data.labels.index_select(0, idx) if self.conditional else None
        return Batch(x, y)

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
    def every(self, interval: int) -> bool:
        """True on the current player's updates 0, interval, 2·interval, ... (lazy regularisers)."""
        return interval <= 1 or self.updates.get(self.player, 0) % interval == 0

    @staticmethod
    def report(name: str, value: Tensor | float) -> None:
        stats.report(name, value)
