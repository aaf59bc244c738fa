"""What a recipe is, the standard D and G steps, and config resolution.

A recipe is data (networks, loss, optimisers, schedule, paper, deviations) plus, only for
unusual GANs, its own ``d_step`` / ``g_step`` hooks. The trainer calls the hooks and does all
optimisation; a hook returns named loss terms (summed by the trainer) and statistics.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator

import torch
from torch import Tensor, nn

from ..config import Config, build, deep_merge, load_yaml, parse_set
from ..errors import GanforgeError
from ..penalties import PENALTIES, clip_weights_
from ..registry import LOSSES, RECIPES

if TYPE_CHECKING:  # pragma: no cover
    from ..data.base import BatchSampler, TensorData
    from ..losses import LossFamily


@dataclass
class StepResult:
    terms: dict[str, Tensor]  # named loss terms; the trainer sums them and calls backward
    stats: dict[str, Tensor] = field(default_factory=dict)  # detached statistics to report


@dataclass
class StepContext:
    """Everything a D or G step may read. Steps never call backward() or step()."""

    cfg: Config
    G: nn.Module
    D: nn.Module
    data: "TensorData"
    sampler: "BatchSampler"
    loss: "LossFamily"
    g_loss: Callable[..., Tensor]
    noise_gen: torch.Generator
    device: torch.device
    rank: int = 0
    world: int = 1
    joint_d_forward: bool = True  # one D pass on cat(real, fake) when D has no batch norm
    no_sync: Callable[[nn.Module], contextlib.AbstractContextManager] = lambda m: contextlib.nullcontext()
    out_range: tuple[float, float] | None = (0.0, 1.0)
    z_dim: int = 100
    z_dist: str = "normal"

    @property
    def local_batch(self) -> int:
        return self.cfg.train.batch_size // self.world

    def real(self) -> Tensor:
        """The next real minibatch for this rank, in the generator's output range."""
        idx = self.sampler.next().to(self.device, non_blocking=True)
        return self.data.to_model(self.data.x.index_select(0, idx), self.out_range)

    def noise(self, n: int | None = None) -> Tensor:
        """z for this rank: the global batch is drawn identically on every rank, then sliced,
        so a run on N ranks sees exactly the noise of a run on one."""
        n = n or self.local_batch
        z = _draw(n * self.world, self.z_dim, self.z_dist, self.noise_gen, self.device)
        return z[self.rank * n : (self.rank + 1) * n]

    @contextlib.contextmanager
    def frozen(self, module: nn.Module) -> Iterator[None]:
        """Forward through ``module`` without computing its parameter gradients (and without
        DDP gradient sync): G's step needs ∂D/∂x only, not ∂D/∂θ_D."""
        params = [p for p in module.parameters() if p.requires_grad]
        for p in params:
            p.requires_grad_(False)
        try:
            with self.no_sync(module):
                yield
        finally:
            for p in params:
                p.requires_grad_(True)


def _draw(n: int, z_dim: int, dist: str, gen: torch.Generator, device) -> Tensor:
    from ..models.mlp import sample_noise

    z = sample_noise(n, z_dim, dist, generator=gen, device=gen.device)
    return z.to(device, non_blocking=True)


def d_logits(ctx: StepContext, real: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
    """D's scores on real and fake: one pass over the concatenation when D has no batch
    norm (same maths, one GEMM per layer instead of two), else two passes (DCGAN's BN
    must see all-real and all-fake batches)."""
    if ctx.joint_d_forward:
        scores = ctx.D(torch.cat([real, fake.to(real.dtype)]))
        return scores[: real.shape[0]], scores[real.shape[0] :]
    return ctx.D(real), ctx.D(fake)


def standard_d_step(ctx: StepContext) -> StepResult:
    """Algorithm 1, inner loop: a minibatch of m noise samples and m examples; D descends
    its loss (for the minimax family, ascends V(G, D))."""
    real = ctx.real()
    with torch.no_grad():
        fake = ctx.G(ctx.noise())
    real_logits, fake_logits = d_logits(ctx, real, fake)
    terms = {"adv": ctx.loss.d_loss(real_logits=real_logits, fake_logits=fake_logits)}
    terms.update(penalty_terms(ctx, real, fake, real_logits, fake_logits))
    return StepResult(terms, ctx.loss.stats(real_logits=real_logits, fake_logits=fake_logits))


def penalty_terms(ctx: StepContext, real: Tensor, fake: Tensor, real_logits: Tensor, fake_logits: Tensor) -> dict:
    """The config's weighted D penalties (e.g. ``d_penalties: {gp: 10}``) as named terms."""
    return {name: weight * PENALTIES.get(name)(D=ctx.D, real=real, fake=fake, real_logits=real_logits,
                                                fake_logits=fake_logits)
            for name, weight in ctx.cfg.d_penalties.items() if weight}


def standard_after_d_update(ctx: StepContext) -> None:
    """Post-update hook: weight clipping when the config asks for it (WGAN)."""
    if ctx.cfg.d_clip is not None:
        clip_weights_(ctx.D, ctx.cfg.d_clip)


def standard_g_step(ctx: StepContext) -> StepResult:
    """Algorithm 1, outer step: a fresh minibatch of m noise samples; G descends its loss."""
    fake = ctx.G(ctx.noise())
    with ctx.frozen(ctx.D):
        fake_logits = ctx.D(fake)
    return StepResult({"adv": ctx.g_loss(fake_logits=fake_logits)})


@dataclass(frozen=True)
class Recipe:
    name: str
    title: str  # the variant's name as the paper gives it
    paper: str  # authors, year, title
    year: int
    url: str
    defaults: dict  # a diff over config.Config
    deviations: tuple[str, ...] = ()  # every way this recipe differs from the paper
    sources: dict = field(default_factory=dict)  # where each number comes from
    dataset_defaults: dict = field(default_factory=dict)  # data name → diff, for scaled setups
    d_step: Callable[[StepContext], StepResult] = standard_d_step
    g_step: Callable[[StepContext], StepResult] = standard_g_step
    after_d_update: Callable[[StepContext], None] | None = standard_after_d_update  # e.g. clipping
    validate: Callable[[Config], None] | None = None
    # A tiny build for the registry tests (CPU, seconds): small widths, a small dataset.
    test_overrides: dict = field(default_factory=dict)

    @property
    def default_data(self) -> str:
        return self.defaults.get("data", {}).get("name", "digits")


def register_recipe(recipe: Recipe) -> Recipe:
    RECIPES.register(recipe.name, recipe)
    return recipe


def resolve_config(
    recipe: str | None = None,
    *,
    config_file: str | None = None,
    sets: list[str] | tuple[str, ...] = (),
    overrides: dict | None = None,
) -> Config:
    """Build the full config: defaults ← recipe ← recipe's dataset diff ← file ← --set ← flags."""
    file_diff = load_yaml(config_file) if config_file else {}
    user = deep_merge(deep_merge(file_diff, parse_set(list(sets))), overrides or {})
    name = recipe or user.get("recipe")
    if not name:
        raise GanforgeError("no recipe given; name one (see `ganforge list`)")
    if user.get("recipe") not in (None, name):
        user["recipe"] = name
    rec: Recipe = RECIPES.get(name)
    merged = deep_merge({"recipe": name}, rec.defaults)
    data_name = (user.get("data") or {}).get("name") or rec.default_data
    merged = _merge_layer(merged, rec.dataset_defaults.get(data_name, {}))
    merged = _merge_layer(merged, user)
    if "loss" in user and "g_objective" not in user:
        merged["g_objective"] = None  # a new loss family brings its own default G objective
    cfg = build(Config, merged)
    check_config(cfg)
    if rec.validate:
        rec.validate(cfg)
    return cfg


def _merge_layer(merged: dict, diff: dict) -> dict:
    """deep_merge, except that a diff naming another architecture does not inherit the old
    architecture's arguments."""
    merged = dict(merged)
    for net in ("G", "D"):
        new_arch = (diff.get(net) or {}).get("arch")
        if new_arch and new_arch != (merged.get(net) or {}).get("arch"):
            merged[net] = {**(merged.get(net) or {}), "args": {}}
    return deep_merge(merged, diff)


POINT_DATASETS_1D = ("gaussian-1d", "bimodal-1d", "sine-1d")
POINT_DATASETS_2D = ("ring-2d", "grid-2d", "spiral-2d")


def point_data_defaults(one: dict | None = None, two: dict | None = None) -> dict:
    """Dataset diffs that let any recipe run on the toy point targets (issue 3's lab): small MLPs
    with a linear G output and no dropout, keeping the recipe's loss, regularisers, optimisers
    and schedule. ``one`` / ``two``: a recipe's own diffs over the 1-D / 2-D presets."""
    G = {"arch": "mlp_generator", "args": {"activation": "relu", "out_activation": "linear", "init_range": None,
                                           "out_bias_from_data": False}}
    D = {"arch": "mlp_discriminator", "args": {"activation": "leaky_relu", "dropout_input": 0.0,
                                               "dropout_hidden": 0.0, "init_range": None}}

    def sized(width: list[int], z_dim: int, z_dist: str, batch: int, diff: dict | None) -> dict:
        preset = {"G": {**G, "args": {**G["args"], "hidden": width}}, "D": {**D, "args": {**D["args"], "hidden": width}},
                  "z_dim": z_dim, "z_dist": z_dist, "train": {"batch_size": batch}}
        return deep_merge(preset, diff or {})

    one_d = sized([64, 64], 1, "uniform", 256, one)
    two_d = sized([128, 128, 128], 8, "normal", 256, two)
    return {**{n: one_d for n in POINT_DATASETS_1D}, **{n: two_d for n in POINT_DATASETS_2D}}


def check_config(cfg: Config) -> None:
    """Cross-field checks that types alone cannot express."""
    family = LOSSES.get(cfg.loss)
    family.g_loss(cfg.g_objective)
    for name, weight in cfg.d_penalties.items():
        PENALTIES.get(name)
        if not isinstance(weight, (int, float)) or isinstance(weight, bool):
            raise GanforgeError(f"d_penalties.{name} must be a number (its weight), got {weight!r}")
    if cfg.d_clip is not None:
        if family.probabilistic:
            raise GanforgeError(
                f"weight clipping (d_clip) makes D a Lipschitz critic, but loss {cfg.loss!r} reads D as a "
                f"probability (sigmoid output); use --set loss=wasserstein, or drop d_clip"
            )
        if cfg.d_clip <= 0:
            raise GanforgeError(f"d_clip must be > 0, got {cfg.d_clip}")
    if cfg.d_steps < 1 or cfg.g_steps < 1:
        raise GanforgeError("d_steps and g_steps must be ≥ 1 (k D steps per G step, or the reverse)")
    t = cfg.train
    for key in ("steps", "batch_size", "log_every", "sample_every", "ckpt_every", "devices"):
        if getattr(t, key) < 1:
            raise GanforgeError(f"train.{key} must be ≥ 1, got {getattr(t, key)}")
    if t.precision not in ("32", "32-true", "bf16-mixed", "16-mixed", "bf16-true"):
        raise GanforgeError(f"unknown precision {t.precision!r}; valid: 32, bf16-mixed, 16-mixed")
    if t.device not in ("auto", "cpu", "cuda", "mps", "gpu"):
        raise GanforgeError(f"unknown device {t.device!r}; valid: auto, cpu, cuda, mps")
    for key in ("opt_G", "opt_D"):
        if getattr(cfg, key).name not in ("sgd", "adam", "rmsprop"):
            raise GanforgeError(f"{key}.name {getattr(cfg, key).name!r} unknown; valid: sgd, adam, rmsprop")
