"""One training run's moving parts, built from a config and a recipe: data, networks,
players with their optimisers, the step context, EMA, recipe state, the preview grid.

``TrainingRun.step(log_now)`` is one outer step; ``state_dict`` / ``load_state_dict`` are the
checkpoint; ``save_samples`` draws the preview grid. The loop in ``loop.py`` drives it.
"""

from __future__ import annotations

import contextlib
import random

import numpy as np
import torch
from torch import Tensor, nn

from ..augment import build_augment
from ..config import Config, OptimConfig
from ..data.base import BatchSampler, load_data, to_unit
from ..data.labels import class_names, describe_classes
from ..errors import GanforgeError
from ..registry import LOSSES
from . import stats
from .build import build_networks, check_shapes, count_params
from .context import Source, StepContext
from .ema import EMA
from .latent import LatentSpec, seeded_global_rng
from .optim import apply_schedule, build_optimizer, grad_norm, has_schedule
from .players import GroupStep, Player, Simultaneous
from .recipe_interface import TrainableRecipe

GRID_SEED_OFFSET = 7919  # the fixed preview noise is drawn from seed + this
# torch's global stream (dropout, style mixing, other per-rank randomness) is seeded seed + 1000·rank + this: apart
# from the latent stream (seed + 1) and the samplers (seed, seed + 1), whose draws it would otherwise repeat
LOCAL_SEED_OFFSET = 500


def class_grid(latent: LatentSpec, n_grid: int, gen: torch.Generator) -> tuple[dict[str, Tensor], int]:
    """The preview's latents and row length: n_grid fixed draws; for a conditional run one row
    per class (at least 8 columns), the same noise in every row."""
    if not latent.n_classes:
        return latent.sample(n_grid, generator=gen), max(1, int(np.ceil(np.sqrt(n_grid))))
    k = latent.n_classes
    cols = max(8, n_grid // k)
    row = latent.sample(cols, generator=gen)
    lat = {name: v.repeat(k, *([1] * (v.dim() - 1))) for name, v in row.items()}
    lat["y"] = torch.arange(k).repeat_interleave(cols)
    return lat, cols


class TrainingRun:
    def __init__(self, cfg: Config, recipe: TrainableRecipe, fabric) -> None:
        t = cfg.train
        self.cfg, self.recipe, self.fabric = cfg, recipe, fabric
        self.rank, self.world = fabric.global_rank, fabric.world_size
        self.is_main = self.rank == 0
        family = LOSSES.get(cfg.loss)
        torch.manual_seed(t.seed)
        np.random.seed(t.seed % 2**32)
        random.seed(t.seed)
        self.data, data_b, shapes = _load_domains(cfg, recipe)
        data = self.data
        if self.is_main and data.info.get("stream_decision"):
            readers = getattr(data, "describe_readers", None)
            print(data.info["stream_decision"] + (f", {readers(self.world)}" if readers else ""), flush=True)
        n_classes = None
        if recipe.adapt_to_data is not None:  # e.g. SAGAN, BigGAN: unconditional on a folder without labels
            cfg, message = recipe.adapt_to_data(cfg, data)
            self.cfg = cfg  # config.yaml records the adapted run, so resume and load rebuild the same networks
            if message and self.is_main:
                print(message, flush=True)
        if cfg.conditional:
            if data.labels is None:
                raise GanforgeError(f"recipe {cfg.recipe!r} is conditional and needs class labels, but {data.name!r} has "
                                    f"none; use digits, mnist, fashion-mnist, cifar10, a folder with one sub-folder "
                                    f"per class, or a CSV of file,label rows (--set data.labels=FILE.csv)")
            n_classes = int(data.labels.max()) + 1
        classes_line = describe_classes(data, cfg.conditional, cfg.recipe)
        if self.is_main and classes_line:
            print(classes_line, flush=True)
        self.latent = LatentSpec.from_config(cfg, n_classes)
        self.raw = build_networks(cfg, data.shape, self.latent, shapes=shapes, network_args=recipe.network_args)
        (recipe.check_networks or check_shapes)(self.raw, cfg, data.shape, self.latent)
        for net in self.raw.values():
            if hasattr(net, "init_from_data"):
                net.init_from_data(data.mean())
        torch.manual_seed(self._local_seed())  # dropout & other per-rank randomness

        self.device = device = fabric.device
        data.to(device)
        if data_b is not None:
            data_b.to(device)
        if t.channels_last:
            for net in self.raw.values():
                net.to(memory_format=torch.channels_last)
        self.players: list[Player | Simultaneous] = recipe.make_players(cfg)
        solo = [q for p in self.players for q in (p.players if isinstance(p, Simultaneous) else [p])]
        self.opt_cfgs = _opt_configs(cfg, solo)
        self.params = {p.name: _params(self.raw, p) for p in solo}  # each player's parameters, once
        opts = {p.name: build_optimizer(self.params[p.name], self.opt_cfgs[p.name]) for p in solo}
        self.nets = {name: fabric.setup_module(torch.compile(net) if t.compile else net) for name, net in self.raw.items()}
        self.opts = {name: fabric.setup_optimizers(opt) for name, opt in opts.items()}
        self.scheduled = {p.name: has_schedule(self.opt_cfgs[p.name]) for p in solo}
        self.updates = {p.name: 0 for p in solo}

        self.sampler = BatchSampler(len(data), t.batch_size, rank=self.rank, world=self.world, seed=t.seed)
        # every data source by name; each has its own sampler (seeded seed, seed + 1, ...)
        self.sources = {"a": Source(data, self.sampler)}
        if data_b is not None:
            self.sources["b"] = Source(data_b, BatchSampler(len(data_b), t.batch_size, rank=self.rank, world=self.world,
                                                            seed=t.seed + 1))
        gen_device = device if device.type == "cuda" else torch.device("cpu")
        self.noise_gen = torch.Generator(device=gen_device).manual_seed(t.seed + 1)
        grid_gen = torch.Generator().manual_seed(t.seed + GRID_SEED_OFFSET)
        lat, self.grid_nrow = (recipe.preview or class_grid)(self.latent, t.n_grid, grid_gen)
        self.grid_latent = {k: v.to(device) for k, v in lat.items()}
        self.ema = None
        if t.ema_decay is not None or t.ema_half_life is not None:
            self.ema = EMA(self.raw[recipe.sampler], decay=t.ema_decay, start=t.ema_start, buffers=t.ema_buffers,
                           half_life=t.ema_half_life)
        state = recipe.initial_state(cfg) if recipe.initial_state else {}
        augment = build_augment(cfg, family, data.kind, two_domain=bool(recipe.domains))
        if augment is not None:
            state.update(augment.initial_state())
            if self.is_main:
                print(augment.describe(), flush=True)
        self.probes = recipe.make_probes(cfg, data, family)

        out_range = getattr(self.raw.get(recipe.sampler), "out_range", None)
        no_sync = (lambda m: fabric.no_backward_sync(m)) if self.world > 1 else (lambda m: contextlib.nullcontext())
        self.ctx = StepContext(
            cfg=cfg, nets=self.nets, raw=self.raw, data=data, sampler=self.sampler, loss=family,
            g_loss=family.g_loss(cfg.g_objective), latent_spec=self.latent, noise_gen=self.noise_gen, device=device,
            rank=self.rank, world=self.world,
            no_sync=no_sync, mean_over_ranks=(lambda v: fabric.all_reduce(v, reduce_op="mean")) if self.world > 1 else None,
            out_range=out_range, updates=self.updates, sources=self.sources, optimizers=self.opts, augment=augment)
        self.ctx.place_state(state)

    # ------------------------------------------------------------------ one outer step
    def step(self, step: int, log_now: bool) -> dict[str, list[Tensor]]:
        """Every player's updates for outer step ``step`` (0-based); returns the reported
        statistics (name → values)."""
        ctx = self.ctx
        ctx.step = step
        with stats.collecting() as sink:
            if self.recipe.before_step:
                self.recipe.before_step(ctx)
            for p in self.players:
                repeats = p.repeats_at(ctx) if getattr(p, "repeats_at", None) else p.repeats
                for i in range(repeats):
                    # a simultaneous group's step runs as its first player (D's regularisers count D's updates)
                    ctx.player = p.players[0].name if isinstance(p, Simultaneous) else p.name
                    measure = log_now and i == repeats - 1
                    if isinstance(p, Simultaneous):
                        self._update_together(p, p.step(ctx), measure=measure)
                        continue
                    terms = p.step(ctx)
                    self._update(p, terms, measure=measure)
                    if p.after_update is not None:
                        p.after_update(ctx)
            if self.ema is not None:
                images = None  # read only by an EMA with a half-life in images
                if self.ema.half_life is not None:
                    images = self.recipe.step_images(ctx) if self.recipe.step_images else self.cfg.train.batch_size
                self.ema.update(self.raw[self.recipe.sampler], step + 1, images=images)
        return sink

    def _update(self, p: Player, terms: dict[str, Tensor], *, measure: bool) -> None:
        loss = self._prepare(p, terms)
        self.fabric.backward(loss)
        self._finish(p, terms, loss, measure=measure)

    def _update_together(self, group: Simultaneous, out: dict[str, dict[str, Tensor]] | GroupStep, *,
                         measure: bool) -> None:
        """All gradients first (each player's loss w.r.t. its own networks only, or the group's own
        backward where its step supplies one), then all optimiser steps."""
        step = out if isinstance(out, GroupStep) else GroupStep(out)
        losses = {p.name: self._prepare(p, step.terms.get(p.name, {})) for p in group.players}
        if step.backward is None or not step.backward(losses, self.params, self.fabric.backward):
            last = len(group.players) - 1
            for i, p in enumerate(group.players):
                self.fabric.backward(losses[p.name], inputs=self.params[p.name], retain_graph=i < last)
        for p in group.players:
            self.ctx.player = p.name
            self._finish(p, step.terms[p.name], losses[p.name], measure=measure)
            if p.after_update is not None:
                p.after_update(self.ctx)

    def _prepare(self, p: Player, terms: dict[str, Tensor]) -> Tensor:
        """Sum the terms, apply the lr schedule, clear the gradients."""
        if not terms:
            raise GanforgeError(f"player {p.name}'s step returned no loss terms")
        loss = next(iter(terms.values())) if len(terms) == 1 else sum(terms.values())
        opt = self.opts[p.name]
        if self.scheduled[p.name]:
            apply_schedule(opt, self.opt_cfgs[p.name], self.updates[p.name], step=self.ctx.step,
                           total_steps=self.cfg.train.steps)
        opt.zero_grad(set_to_none=True)
        return loss

    def _finish(self, p: Player, terms: dict[str, Tensor], loss: Tensor, *, measure: bool) -> None:
        """Optimiser step and statistics, after backward."""
        if measure:
            stats.report(f"grad_norm_{p.name}", grad_norm(self.params[p.name]))
        self.opts[p.name].step()
        self.updates[p.name] += 1
        prefix = p.name.lower()
        stats.report(f"{prefix}_loss", loss.detach())
        if len(terms) > 1:
            for name, value in terms.items():
                stats.report(f"{prefix}_{name}", value.detach())

    def log_extras(self, step: int) -> dict:
        extra = {f"lr_{name}": opt.param_groups[0]["lr"] for name, opt in self.opts.items()}
        for probe in self.probes:
            extra.update(probe(G=self.raw.get("G"), D=self.raw.get("D"), data=self.data, step=step))
        return extra

    # ------------------------------------------------------------------ samples
    @property
    def sampling_net(self) -> nn.Module:
        return self.ema.net if self.ema is not None else self.raw[self.recipe.sampler]

    @torch.no_grad()
    def preview(self) -> Tensor:
        net = self.sampling_net
        was = net.training
        net.eval()
        try:
            dtype = next(net.parameters()).dtype  # bf16-true runs hold bf16 weights
            args = [a.to(dtype) if a.is_floating_point() else a for a in self.latent.g_args(self.grid_latent)]
            with seeded_global_rng(GRID_SEED_OFFSET, self.device):  # a preview never moves the training's stream
                return net(*args).float()
        finally:
            net.train(was)

    def save_samples(self, path) -> None:
        if self.recipe.sample_grid is not None:  # e.g. CycleGAN's rows: input, translation, reconstruction
            from ..viz.grid import save_grid

            x, nrow = self.recipe.sample_grid(self)
            save_grid(x, path, nrow=nrow)
            return
        x = self.preview()
        if self.data.kind == "image":
            from ..viz.grid import save_grid

            save_grid(to_unit(x, getattr(self.sampling_net, "out_range", None)), path, nrow=self.grid_nrow)
        else:
            from ..viz.grid import save_points

            save_points(x, path, real=self.data.x[:2000])

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self, step: int) -> dict:
        state = {"step": step, "updates": dict(self.updates)}
        state.update({name: net.state_dict() for name, net in self.raw.items()})
        state.update({f"opt_{name}": opt.state_dict() for name, opt in self.opts.items()})
        for name, source in self.sources.items():
            state[_sampler_key(name)] = source.sampler.state_dict()
        state["rng"] = {"noise": self.noise_gen.get_state(), "torch": torch.get_rng_state(),
                        "cuda": torch.cuda.get_rng_state() if torch.cuda.is_available() else None,
                        "numpy": np.random.get_state(), "python": random.getstate()}
        if self.ctx.state:
            state["recipe_state"] = dict(self.ctx.state)
        if self.ema is not None:
            state[f"{self.recipe.sampler}_ema"] = self.ema.state_dict()
        return state

    def load_state_dict(self, state: dict) -> int:
        """Restore a checkpoint; returns its step."""
        for name, net in self.raw.items():
            net.load_state_dict(state[name])
        for name, opt in self.opts.items():
            opt.load_state_dict(state[f"opt_{name}"])
        for name, source in self.sources.items():
            source.sampler.load_state_dict(state[_sampler_key(name)])
        self.noise_gen.set_state(state["rng"]["noise"])
        self.updates.update(state["updates"])
        self.ctx.place_state(state.get("recipe_state", {}))
        if self.ema is not None:
            self.ema.load_state_dict(state[f"{self.recipe.sampler}_ema"])
        start = int(state["step"])
        rng = state["rng"]
        if self.rank == 0:
            torch.set_rng_state(rng["torch"])
            np.random.set_state(rng["numpy"])
            random.setstate(rng["python"])
            if torch.cuda.is_available() and rng.get("cuda") is not None:
                torch.cuda.set_rng_state(rng["cuda"])
        else:
            torch.manual_seed(self._local_seed() + start)
        return start

    def _local_seed(self) -> int:
        """The seed of torch's global stream on this rank (LOCAL_SEED_OFFSET)."""
        return self.cfg.train.seed + 1000 * self.rank + LOCAL_SEED_OFFSET

    def close(self) -> None:
        """End what the data sources keep running (a streamed set's reader processes)."""
        for source in self.sources.values():
            getattr(source.data, "close", lambda: None)()

    def describe(self) -> dict:
        """What run.json records about the run's shape."""
        sampler = self.raw[self.recipe.sampler]
        return {"data_kind": self.data.kind, "data_shape": list(self.data.shape), "data_name": self.data.name,
                "n_examples": len(self.data), "n_classes": self.latent.n_classes, "latent": self.latent.describe(),
                **class_names(self.data, self.latent.n_classes),
                "sampler": self.recipe.sampler, "ema": self.ema is not None,
                "out_range": list(sampler.out_range) if getattr(sampler, "out_range", None) else None,
                **{k: v for name, (src, _) in self.sources.items() if name != "a" for k, v in
                   {f"data_shape_{name}": list(src.shape), f"data_name_{name}": src.name,
                    f"n_examples_{name}": len(src)}.items()},
                **({"domains": {k: list(v) for k, v in self.recipe.domains.items()}} if self.recipe.domains else {}),
                **{f"params_{name}": count_params(net) for name, net in self.raw.items()}}


def _load_domains(cfg: Config, recipe):
    """(data, domain B or None, per-network shapes or None): two domains when the recipe declares
    ``domains`` (CycleGAN), else the one dataset."""
    if not recipe.domains:
        if cfg.data_b is not None:
            raise GanforgeError(f"recipe {cfg.recipe!r} trains on one dataset; data_b (--data-b) is for two-domain "
                                f"recipes such as cyclegan")
        return load_data(cfg.data, allow_stream=True), None, None
    from ..data.unpaired import domain_shapes, load_domains

    data, data_b = load_domains(cfg)
    if data.kind != "image" or data_b.kind != "image":
        raise GanforgeError(f"recipe {cfg.recipe!r} translates images; {data.name!r} and {data_b.name!r} must both be "
                            f"image datasets")
    return data, data_b, domain_shapes(recipe.domains, data.shape, data_b.shape)


def _sampler_key(source: str) -> str:
    """A source's sampler in the checkpoint: "sampler" for the run's data, "sampler_b" for "b"."""
    return "sampler" if source == "a" else f"sampler_{source}"


def _params(raw: dict[str, nn.Module], p: Player) -> list[nn.Parameter]:
    missing = [n for n in p.nets if n not in raw]
    if missing:
        raise GanforgeError(f"player {p.name} updates network {missing[0]!r}, which the run does not build "
                            f"(networks: {', '.join(raw)})")
    seen, out = set(), []
    for name in p.nets:
        for param in raw[name].parameters():
            if id(param) not in seen:
                seen.add(id(param))
                out.append(param)
    return out


def _opt_configs(cfg: Config, players: list[Player]) -> dict:
    """Each player's optimiser settings (``cfg.opt[player]``); an ``opt`` entry that names no
    player of this recipe is refused (a misspelt player would otherwise train with defaults)."""
    keys = {p.opt_key for p in players}
    # entries left at the defaults (Config's own G and D) may go unused
    unknown = sorted(k for k, v in cfg.opt.items() if k not in keys and v != OptimConfig())
    if unknown:
        raise GanforgeError(f"opt.{unknown[0]}: recipe {cfg.recipe!r} has no player {unknown[0]!r}; its players' "
                            f"optimisers: {', '.join(f'opt.{k}' for k in sorted(keys))}")
    return {p.name: cfg.optimizer(p.opt_key) for p in players}
