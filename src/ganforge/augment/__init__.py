"""Differentiable augmentation of everything D sees (``augment``): DiffAugment's fixed policies or
ADA's pipeline with its adaptive probability. One seam: ``StepContext.discriminate`` passes every
image through the run's ``Augment`` before D, so reals and fakes, D's step and G's step and the
gradient penalties all see the same distribution of augmentations, and G's gradient flows back
through it. The parameters are drawn from the run's noise generator (checkpointed: a resumed run
draws the same augmentations), for the global batch, of which each rank takes its rows.

    augment: diffaugment            color, translation and cutout (or a list of them)
    augment: ada                    ADA's blit, geom and color groups with an adaptive p
    augment_args: {target: 0.6, interval: 4, kimg: 500, p: 0.0, groups: bgc}
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ..errors import GanforgeError
from .ada import NAMED, UNIFORMS, ada_augment
from .controller import AdaController
from .diffaugment import POLICIES, diff_augment, uniforms_needed

ADA_DEFAULTS = {"target": 0.6, "interval": 4, "kimg": 500, "p": 0.0, "groups": "bgc"}


@dataclass
class Augment:
    kind: str  # diffaugment | ada
    policies: tuple[str, ...] = ()  # DiffAugment's
    groups: tuple[str, ...] = ()  # ADA's
    controller: AdaController | None = None  # ADA's p (fixed when its target is None)

    @property
    def uniforms(self) -> int:
        return uniforms_needed(list(self.policies)) if self.kind == "diffaugment" else UNIFORMS

    def initial_state(self) -> dict[str, Tensor]:
        return self.controller.initial_state() if self.controller else {}

    def describe(self) -> str:
        """One line for the console: what D sees."""
        if self.kind == "diffaugment":
            return f"augment: DiffAugment ({', '.join(self.policies)}) on every image D sees"
        c = self.controller
        how = (f"p from {c.p0:g}, steered every {c.interval} D steps towards r_t = {c.target:g}"
               if c.adaptive else f"p fixed at {c.p0:g}")
        return f"augment: ADA ({', '.join(self.groups)}) on every image D sees, {how}"

    def __call__(self, ctx, x: Tensor) -> Tensor:
        """x: a batch of images in the generator's output range → augmented, same range and shape."""
        n = x.shape[0]
        gen = ctx.noise_gen
        u = torch.rand(n * ctx.world, self.uniforms, generator=gen, device=gen.device)
        u = u[ctx.rank * n : (ctx.rank + 1) * n].to(x.device, non_blocking=True)
        lo, hi = ctx.out_range or (-1.0, 1.0)
        centred = (lo, hi) != (-1.0, 1.0)
        if centred:
            x = (x - (hi + lo) / 2) * (2 / (hi - lo))
        if self.kind == "diffaugment":
            x = diff_augment(x, u, list(self.policies))
        else:
            x = ada_augment(x, u, ctx.state[AdaController.P], self.groups)
        if centred:
            x = x * ((hi - lo) / 2) + (hi + lo) / 2
        return x

    def observe(self, ctx, real_logits: Tensor) -> None:
        """D's raw scores of the (augmented) reals in its step: ADA's controller reads their signs
        (once per D step, where p is also reported)."""
        if self.controller is not None:
            ctx.report("augment_p", ctx.state[AdaController.P])
            if self.controller.adaptive:
                self.controller.observe(ctx, real_logits)


def build_augment(cfg, family, data_kind: str = "image", two_domain: bool = False) -> Augment | None:
    """The run's ``Augment`` from ``cfg.augment`` / ``cfg.augment_args``, or None; bad values and
    combinations that cannot work are refused in one message naming the fix."""
    spec, args = cfg.augment, dict(cfg.augment_args or {})
    if spec in (None, "none", False, []):
        if args:
            raise GanforgeError(f"augment_args {args} given without augment; set --set augment=diffaugment or augment=ada")
        return None
    if data_kind != "image":
        raise GanforgeError(f"augment={spec!r} transforms images, and this run's data is {data_kind}; remove augment")
    if two_domain:
        raise GanforgeError(f"augment={spec!r}: recipe {cfg.recipe!r} translates between two domains and takes no "
                            f"augmentation of what its discriminators see; remove augment")
    if isinstance(spec, str) and spec in ("diffaugment", *POLICIES):
        spec = list(POLICIES) if spec == "diffaugment" else [spec]
    if isinstance(spec, (list, tuple)):
        bad = [p for p in spec if p not in POLICIES]
        if bad or not spec or len(set(spec)) != len(spec):
            raise GanforgeError(f"augment: {list(spec)} is not a list of distinct DiffAugment policies "
                                f"({', '.join(POLICIES)}); e.g. --set augment=[color,translation]")
        if args:
            raise GanforgeError(f"augment_args {args} belong to augment=ada; DiffAugment takes none")
        return Augment("diffaugment", policies=tuple(spec))
    if spec != "ada":
        raise GanforgeError(f"unknown augment {spec!r}; valid: diffaugment, ada, or a list of "
                            f"{', '.join(POLICIES)} (e.g. --set augment=[color,cutout])")
    unknown = sorted(set(args) - set(ADA_DEFAULTS))
    if unknown:
        raise GanforgeError(f"unknown augment_args {unknown}; ADA takes {', '.join(ADA_DEFAULTS)}")
    args = {**ADA_DEFAULTS, **args}
    if args["groups"] not in NAMED:
        raise GanforgeError(f"augment_args.groups={args['groups']!r}; valid: {', '.join(NAMED)} "
                            f"(b: pixel blitting, g: geometric, c: colour)")
    controller = AdaController.from_args(args, cfg.train.batch_size, family)
    return Augment("ada", groups=NAMED[args["groups"]], controller=controller)
