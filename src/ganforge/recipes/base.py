"""What a recipe is, and config resolution.

A recipe is data (networks, loss, optimisers, schedule, paper, deviations) plus, only for
unusual GANs, its own steps, players, state or hooks. The trainer (``ganforge.training``)
calls them and does all optimisation; a step returns named loss terms (summed by the trainer)
and reports statistics through ``ctx.report``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from torch import Tensor

from ..config import LEGACY_KEYS, MATMUL_PRECISIONS, Config, build, deep_merge, load_yaml, migrate, parse_set
from ..errors import GanforgeError
from ..penalties import PENALTIES, regulariser_schedule
from ..registry import LOSSES, RECIPES
from ..training.context import StepContext
from ..training.health import check_eval_config
from ..training.players import Player, Simultaneous
from .standard import check_d_steps_boost, standard_players
from .steps import standard_after_d_update, standard_d_step, standard_g_step


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
    # data name → a line printed when a run starts on it: what its preset is known not to do yet, and where it is measured
    known_limits: dict = field(default_factory=dict)
    # The two-player shape (D then G) with these steps; ``players`` replaces it entirely.
    d_step: Callable[[StepContext], dict[str, Tensor]] = standard_d_step
    g_step: Callable[[StepContext], dict[str, Tensor]] = standard_g_step
    after_d_update: Callable[[StepContext], None] | None = standard_after_d_update  # e.g. clipping
    players: Callable[[Config], list[Player]] | None = None  # any number of players, their nets and steps
    initial_state: Callable[[Config], dict[str, Tensor]] | None = None  # tensors kept between steps (BEGAN's k_t)
    before_step: Callable[[StepContext], None] | None = None  # schedules that change the networks (growth)
    preview: Callable | None = None  # (LatentSpec, n, generator) → (latents, row length) of the sample grid
    probes: Callable | None = None  # (cfg, data, loss family) → probes run at log intervals
    check_networks: Callable | None = None  # (nets, cfg, data_shape, latent) → None; default: G → D shapes
    sampler: str = "G"  # the network that makes samples (and gets the EMA)
    # the real images one outer step uses, all ranks (an EMA with a half-life reads it); default train.batch_size
    step_images: Callable[[StepContext], int] | None = None
    # two-domain recipes (CycleGAN): network → (input domain, output domain), "a" or "b"; the run then
    # reads domain B from data_b (or a trainA/trainB folder), and ctx.batch("b") gives its batches
    domains: dict = field(default_factory=dict)
    sample_grid: Callable | None = None  # (run) → (images [N, C, H, W] in [0, 1], row length): the preview
    validate: Callable[[Config], None] | None = None
    args: dict = field(default_factory=dict)  # its own hyper-parameters with defaults → cfg.recipe_args
    # (cfg, data) → (the config this data trains, a message or None): e.g. SAGAN and BigGAN, class-
    # conditional on labelled data, unconditional on a plain image folder (``unconditional_without_labels``)
    adapt_to_data: Callable | None = None
    # (network name, networks built so far) → extra constructor arguments (InfoGAN's Q: D's feature width)
    network_args: Callable[[str, dict], dict] | None = None
    own_d_loss: bool = False  # its D steps supply a parametrised D loss (EBGAN's margin, BEGAN's k_t: the energy family)
    # A tiny build for the registry tests (CPU, seconds): small widths, a small dataset.
    test_overrides: dict = field(default_factory=dict)

    @property
    def default_data(self) -> str:
        return self.defaults.get("data", {}).get("name", "digits")

    def make_players(self, cfg: Config) -> list:
        if self.players is not None:
            players = self.players(cfg)
            if cfg.update_order == "simultaneous" and not any(isinstance(p, Simultaneous) for p in players):
                raise GanforgeError(f"recipe {self.name!r} declares its own players; update_order=simultaneous "
                                    f"exists only for the standard two-player steps")
            return players
        return standard_players(cfg, d_step=self.d_step, g_step=self.g_step, after_d_update=self.after_d_update)

    def make_probes(self, cfg: Config, data, family) -> list:
        if self.probes is not None:
            return self.probes(cfg, data, family)
        from ..theory.probe import default_probes

        return default_probes(cfg, data, family)


def register_recipe(recipe: Recipe) -> Recipe:
    RECIPES.register(recipe.name, recipe)
    return recipe


def unconditional_without_labels(cfg: Config, data) -> tuple[Config, str | None]:
    """``adapt_to_data`` of a recipe that is class-conditional by default (SAGAN, BigGAN): on data
    without labels it trains unconditionally."""
    import dataclasses

    if cfg.conditional and data.labels is None:
        return dataclasses.replace(cfg, conditional=False), (f"{data.name} has no class labels: training {cfg.recipe} "
                                                             f"unconditionally")
    return cfg, None


def both_players(**settings) -> dict:
    """An ``opt`` diff giving D and G the same optimiser settings: ``both_players(lr=2e-3)``."""
    return {player: dict(settings) for player in ("D", "G")}


# an lr held for the first half of the run, then decaying linearly to 0 by its last step (ebgan's and gan-modern's MNIST
# presets); it follows --steps
DECAY_OVER_SECOND_HALF = {"schedule": "linear", "decay_start": 0.5, "lr_min": 0.0}

# The SN-GAN authors' SN-DCGAN example (pfnet-research/chainer-gan-lib example.sh: --algorithm stdgan --n_dis 1
# --adam_beta1 0.5 --adam_beta2 0.999, the SN-GAN paper's setting C) at a constant lr: one D update per G update; its
# updater gives both players one batch of the same size (a preset adds train.g_batch_size: None). sngan's and
# cgan-projection's MNIST presets run this way
SN_DCGAN_UPDATES = {"d_steps": 1, "opt": both_players(betas=[0.5, 0.999], schedule="constant")}

# MNIST's 28×28 digits unscaled in a 32×32 frame with black margins, as the PGGAN authors' dataset_tool.py pads
# them: an evaluation reads the frame cut back to 28×28, so neither the training images nor the samples are
# resampled (resized 28 → 32 → 28, the test images themselves are read confidently 94.9% of the time against 98.1% as they are)
MNIST_IN_32 = {"image_size": [32, 32], "fit": "centre"}
# the deviation every preset that takes MNIST_IN_32 lists, before its own measured figures
CENTRED_MNIST = ("The mnist preset centres the 28×28 digits unscaled in the 32×32 frame (data.fit=centre, as the PGGAN "
                 "authors pad MNIST) instead of resizing them, so that neither the training images nor the samples are "
                 "resampled before the classifier reads them: ")
# StyleGAN2's lazy regularisation (Karras et al. 2020, Sec. 3.1) applied to WGAN-GP's penalty: every 4th D step at 4× the
# weight (λ = 10 on average); the digit presets of wgan-gp and pggan spend the time it saves on more steps
LAZY_GP = {"gp": {"weight": 10.0, "every": 4}}

# a dataset made of another one's images takes that one's preset where a recipe has none of its own: Stacked MNIST
# is MNIST's digits in three channels, so every recipe with an MNIST preset trains on it at MNIST's scale
PRESET_LIKE = {"stacked-mnist": "mnist"}


def dataset_preset(rec: Recipe, data_name: str | None) -> dict:
    """The recipe's settings for this named dataset (its preset), or {} where it has none."""
    presets = rec.dataset_defaults
    return presets.get(data_name) or presets.get(PRESET_LIKE.get(data_name), {})


def resolve_config(
    recipe: str | None = None,
    *,
    config_file: str | None = None,
    sets: list[str] | tuple[str, ...] = (),
    overrides: dict | None = None,
    data_diff: dict | None = None,
) -> Config:
    """Build the full config: defaults ← recipe ← recipe's dataset diff ← ``data_diff`` (settings
    chosen from the data, ``recipes/auto.py``) ← file ← --set ← flags."""
    file_diff = _current(load_yaml(config_file)) if config_file else {}
    user = deep_merge(deep_merge(file_diff, _current(parse_set(list(sets)))), _current(overrides or {}))
    name = recipe or user.get("recipe")
    if not name:
        raise GanforgeError("no recipe given; name one (see `ganforge list`)")
    if user.get("recipe") not in (None, name):
        user["recipe"] = name
    rec: Recipe = RECIPES.get(name)
    merged = deep_merge({"recipe": name}, _current(rec.defaults))
    data_name = (user.get("data") or {}).get("name") or rec.default_data
    merged = _merge_layer(merged, _current(dataset_preset(rec, data_name)))
    merged = _merge_layer(merged, data_diff or {})
    merged = _merge_layer(merged, user)
    merged["recipe_args"] = _recipe_args(rec, merged.get("recipe_args") or {})
    if "loss" in user and "g_objective" not in user:
        merged["g_objective"] = None  # a new loss family brings its own default G objective
    cfg = build(Config, merged)
    check_config(cfg)
    if rec.validate:
        rec.validate(cfg)
    return cfg


def _current(diff: dict) -> dict:
    """A config layer in today's keys (``config.migrate``: opt_G → opt.G, d_steps_boost →
    recipe_args.d_steps_boost, ...), so that an old key and a new one in different layers merge."""
    return migrate(diff) if isinstance(diff, dict) and LEGACY_KEYS & set(diff) else diff


def _recipe_args(rec: Recipe, given: dict) -> dict:
    """The recipe's own hyper-parameters: its defaults, updated by the layers above; unknown
    names and non-numbers where a number belongs are refused."""
    if not isinstance(given, dict):
        raise GanforgeError(f"recipe_args must be a mapping (e.g. --set recipe_args.NAME=VALUE), got {given!r}")
    out = dict(rec.args)
    for key, value in given.items():
        if key not in rec.args and value is None:
            continue  # null turns an option off (--set d_steps_boost=null): a recipe without it has it off
        if key not in rec.args:
            valid = ", ".join(sorted(rec.args)) or "(none)"
            raise GanforgeError(f"recipe_args.{key}: recipe {rec.name!r} has no argument {key!r}; valid: {valid}")
        default = rec.args[key]
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            try:  # YAML reads 1e6 as a string
                value = float(value) if isinstance(value, str) else value
            except ValueError:
                pass
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise GanforgeError(f"recipe_args.{key} must be a number (default {default}), got {value!r}")
        out[key] = value
    return out


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
    from ..data.fit import check_fit

    check_fit(cfg.data.fit)
    family = LOSSES.get(cfg.loss)
    family.g_loss(cfg.g_objective)
    if family.extra.get("d_loss_from_recipe") and not RECIPES.get(cfg.recipe).own_d_loss:
        able = [n for n, r in RECIPES.items() if r.own_d_loss]
        raise GanforgeError(f"loss {cfg.loss!r} takes its D loss from a recipe's own D step (its D is an auto-encoder); "
                            f"recipe {cfg.recipe!r} has none; recipes that do: {', '.join(able)}")
    for key, player in (("d_penalties", "D"), ("g_penalties", "G")):
        for name, spec in getattr(cfg, key).items():
            fn = PENALTIES.get(name)
            regulariser_schedule(f"{key}.{name}", spec)
            if getattr(fn, "player", "D") != player:
                mine = [n for n, f in PENALTIES.items() if getattr(f, "player", "D") == player]
                raise GanforgeError(f"{key}.{name}: {name} regularises {getattr(fn, 'player', 'D')}, not {player}; "
                                    f"{key} takes: {', '.join(mine) or '(none yet)'}")
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
    check_eval_config(cfg.train)
    if cfg.update_order not in ("alternating", "simultaneous"):
        raise GanforgeError(f"update_order {cfg.update_order!r} unknown; valid: alternating, simultaneous")
    if cfg.update_order == "simultaneous" and cfg.train.precision == "16-mixed":
        raise GanforgeError("update_order=simultaneous with --precision 16-mixed: the loss scaler would change "
                            "between the two players' steps; use bf16-mixed or 32")
    check_d_steps_boost(cfg)
    t = cfg.train
    double = [n for n, spec in cfg.d_penalties.items()
              if getattr(PENALTIES.get(n), "double_backward", False) and regulariser_schedule(n, spec)[0]]
    if t.compile and double:
        raise GanforgeError(f"train.compile with the {double[0]} penalty: it takes the gradient of an input gradient, which "
                            f"torch.compile's autograd cannot (found on CUDA, torch 2.11); train without --set "
                            f"train.compile=true, or set d_penalties.{double[0]}=0")
    for key in ("steps", "batch_size", "log_every", "sample_every", "ckpt_every", "devices", "num_nodes"):
        if getattr(t, key) < 1:
            raise GanforgeError(f"train.{key} must be ≥ 1, got {getattr(t, key)}")
    if t.precision not in ("32", "32-true", "bf16-mixed", "16-mixed", "bf16-true"):
        raise GanforgeError(f"unknown precision {t.precision!r}; valid: 32, bf16-mixed, 16-mixed")
    if t.matmul_precision is not None and t.matmul_precision not in MATMUL_PRECISIONS:
        raise GanforgeError(f"unknown train.matmul_precision {t.matmul_precision!r}; valid: {', '.join(MATMUL_PRECISIONS)}")
    from ..data.stream import check_workers, stream_mode

    for part in (cfg.data, cfg.data_b):
        if part is not None:
            stream_mode(part)
            check_workers(part)
    if t.device not in ("auto", "cpu", "cuda", "mps", "gpu"):
        raise GanforgeError(f"unknown device {t.device!r}; valid: auto, cpu, cuda, mps")
    from ..training.schedules import LR_SCHEDULES, at_step

    for player, opt in cfg.opt.items():
        key = f"opt.{player}"
        if opt.name not in ("sgd", "adam", "rmsprop"):
            raise GanforgeError(f"{key}.name {opt.name!r} unknown; valid: sgd, adam, rmsprop")
        LR_SCHEDULES.get(opt.schedule)
        for name in ("decay_start", "decay_end"):
            value = getattr(opt, name)
            if value is not None and (value < 0 or (isinstance(value, float) and not 0 < value < 1)):
                raise GanforgeError(f"{key}.{name}={value}: give a training step (a whole number ≥ 0) or a share of "
                                    f"the run between 0 and 1 (0.5: half of train.steps)")
        if opt.schedule in ("linear", "cosine") and at_step(opt.decay_start, t.steps) >= t.steps:
            raise GanforgeError(f"{key}.decay_start={opt.decay_start} is not before the last step ({t.steps}): the "
                                f"learning rate would never decay; set {key}.decay_start to a step or a share of the "
                                f"run (0.5: half)")
        if opt.schedule == "step" and (opt.decay_every is None or opt.decay_every < 1 or opt.lr_decay <= 0):
            raise GanforgeError(f"{key}.schedule=step needs {key}.decay_every ≥ 1 (training steps between decays) "
                                f"and {key}.lr_decay > 0 (the divisor: 2 halves), got decay_every="
                                f"{opt.decay_every}, lr_decay={opt.lr_decay}")
    if t.g_batch_size is not None and (t.g_batch_size < 1 or t.g_batch_size % t.world_size):
        raise GanforgeError(f"train.g_batch_size must be ≥ 1 and divisible by the process count (--devices × "
                            f"--num-nodes = {t.world_size}), got {t.g_batch_size}")
    if t.ema_decay is not None and not 0.0 <= t.ema_decay < 1.0:
        raise GanforgeError(f"train.ema_decay must be in [0, 1) (e.g. 0.9999), got {t.ema_decay}")
    from ..training.latent import LatentSpec

    LatentSpec.from_config(cfg, None)  # code kinds and names
