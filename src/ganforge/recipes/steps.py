"""The standard D and G steps (Algorithm 1 of Goodfellow et al., 2014, generalised), the
regularisers they add, and the post-update hook. A step returns named loss terms; the
trainer sums them and does the optimisation. Recipes build their own steps from these parts
(``d_terms``, ``g_terms``, ``regulariser_terms``)."""

from __future__ import annotations

import contextlib
from functools import partial

import torch
from torch import Tensor

from ..nn.rows import rows_without_input_grad
from ..penalties import PENALTIES, clip_weights_, regulariser_schedule
from ..training.context import StepContext


def d_logits(ctx: StepContext, real: Tensor, fake: Tensor, y_real: Tensor | None = None,
             y_fake: Tensor | None = None, *, aux: bool = False):
    """D's scores on real and fake: one pass over the concatenation when D has no batch
    statistics (same maths, one GEMM per layer instead of two), else two passes (DCGAN's BN and
    PGGAN's minibatch stddev must see all-real and all-fake batches). With ``aux`` (a D with a second output: AC-GAN's
    class logits, InfoGAN's trunk features) returns ((real, real_aux), (fake, fake_aux)).
    When the fakes carry G's graph and the reals need no gradient (the simultaneous step), D's
    input layer skips the real rows' input gradient, which nothing reads (``nn.rows``)."""
    kw = {"aux": True} if aux else {}
    if ctx.joint_d_forward:
        y = torch.cat([y_real, y_fake]) if ctx.conditional else None
        x = torch.cat([real, fake.to(real.dtype)])
        skip = fake.requires_grad and not real.requires_grad
        with rows_without_input_grad(real.shape[0]) if skip else contextlib.nullcontext():
            out = ctx.discriminate(x, y, **kw)
        n = real.shape[0]
        if aux:
            return (out[0][:n], out[1][:n]), (out[0][n:], out[1][n:])
        return out[:n], out[n:]
    return ctx.discriminate(real, y_real, **kw), ctx.discriminate(fake, y_fake, **kw)


def standard_d_step(ctx: StepContext) -> dict[str, Tensor]:
    """Algorithm 1, inner loop: a minibatch of m noise samples and m examples; D descends
    its loss (for the minimax family, ascends V(G, D))."""
    return d_terms(ctx)[0]


def d_terms(ctx: StepContext, *, aux: bool = False, d_loss=None, n: int | None = None,
            real_transform=None) -> tuple[dict[str, Tensor], dict]:
    """D's side of a step on a fresh real batch and fresh fakes (made without autograd): its loss
    and the config's D regularisers as named terms; reports the loss family's statistics.
    Returns (terms, parts): parts holds ``y_real``, ``lat`` and, with ``aux``, ``real_aux`` and
    ``fake_aux`` — what a recipe adds its own terms from (AC-GAN, InfoGAN). ``d_loss`` replaces the
    loss family's D loss (a recipe's parametrised one: EBGAN's margin, BEGAN's k_t). ``n``: the
    first n examples of the batch and n fakes (PGGAN's per-resolution minibatch);
    ``real_transform``: applied to the reals before D sees them (PGGAN's fade-in)."""
    real, y_real = ctx.batch()
    if n is not None:
        real, y_real = real[:n], (None if y_real is None else y_real[:n])
    if real_transform is not None:
        real = real_transform(real)
    lat = ctx.latent(n)
    with torch.no_grad():
        fake = ctx.generate(lat)
    return d_terms_on(ctx, real, y_real, fake, lat, aux=aux, d_loss=d_loss)


def d_terms_on(ctx: StepContext, real: Tensor, y_real: Tensor | None, fake: Tensor, lat: dict[str, Tensor], *,
               aux: bool = False, d_loss=None) -> tuple[dict[str, Tensor], dict]:
    """``d_terms`` on given batches (the simultaneous step passes fakes that keep their graph).
    parts also holds ``real_logits`` and ``fake_logits``."""
    parts = {"y_real": y_real, "lat": lat}
    real_logits, fake_logits = d_logits(ctx, real, fake, y_real, lat.get("y"), aux=aux)
    if aux:
        (real_logits, parts["real_aux"]), (fake_logits, parts["fake_aux"]) = real_logits, fake_logits
    parts["real_logits"], parts["fake_logits"] = real_logits, fake_logits
    terms = {"adv": (d_loss or ctx.loss.d_loss)(real_logits=real_logits, fake_logits=fake_logits)}
    if ctx.augment is not None:
        ctx.augment.observe(ctx, real_logits)
    D = partial(ctx.discriminate, y=y_real)  # the penalties see D as the losses do (augmented, conditioned)
    D_fake = partial(ctx.discriminate, y=lat.get("y"))  # fakes are scored with the classes they were drawn for
    terms.update(regulariser_terms(ctx, ctx.cfg.d_penalties, D=D, D_fake=D_fake, real=real, fake=fake,
                                   real_logits=real_logits, fake_logits=fake_logits))
    for name, value in ctx.loss.stats(real_logits=real_logits, fake_logits=fake_logits).items():
        ctx.report(name, value)
    return terms, parts


def standard_g_step(ctx: StepContext) -> dict[str, Tensor]:
    """Algorithm 1, outer step: a fresh minibatch of m noise samples; G descends its loss."""
    return g_terms(ctx)[0]


def g_terms(ctx: StepContext, *, aux: bool = False, n: int | None = None) -> tuple[dict[str, Tensor], dict]:
    """G's side of a step on fresh latents (G's batch, or ``n``), D frozen: G's loss and the
    config's G regularisers as named terms. Returns (terms, parts): ``lat`` and, with ``aux``,
    ``fake_aux``."""
    lat = ctx.latent(n or ctx.g_batch)
    fake = ctx.generate(lat)
    real_logits = None
    with ctx.frozen(ctx.D):
        fake_logits = ctx.discriminate(fake, lat.get("y"), **({"aux": True} if aux else {}))
        if ctx.loss.relativistic:  # G's loss compares its fakes with a fresh real batch (RpGAN)
            real = ctx.batch()
            real_logits = ctx.discriminate(real.x, real.y, **({"aux": True} if aux else {}))
    parts = {"lat": lat}
    if aux:
        fake_logits, parts["fake_aux"] = fake_logits
        if real_logits is not None:
            real_logits = real_logits[0]
    return g_terms_on(ctx, fake, fake_logits, real_logits=real_logits), parts


def g_terms_on(ctx: StepContext, fake: Tensor, fake_logits: Tensor, *, adv: Tensor | None = None,
               real_logits: Tensor | None = None) -> dict[str, Tensor]:
    """G's named terms given its fakes and D's scores of them (and of a real batch, for a
    relativistic loss): the loss family's G loss (or a recipe's own ``adv``: BEGAN's L(G(z)))
    and the config's G regularisers."""
    if adv is None:
        adv = ctx.g_loss(fake_logits=fake_logits, **({"real_logits": real_logits} if ctx.loss.relativistic else {}))
    terms = {"adv": adv}
    terms.update(regulariser_terms(ctx, ctx.cfg.g_penalties, G=ctx.G, fake=fake, fake_logits=fake_logits))
    return terms


def standard_after_d_update(ctx: StepContext) -> None:
    """Post-update hook: weight clipping when the config asks for it (WGAN)."""
    if ctx.cfg.d_clip is not None:
        clip_weights_(ctx.raw["D"], ctx.cfg.d_clip)


def regulariser_terms(ctx: StepContext, specs: dict, **tensors) -> dict[str, Tensor]:
    """The weighted regularisers named in ``specs`` (``d_penalties`` or ``g_penalties``) as named
    terms. A lazy one (every K updates) runs on the player's updates 0, K, 2K, ... with its
    weight multiplied by K, so that its average strength is unchanged (StyleGAN2's convention)."""
    terms = {}
    for name, spec in specs.items():
        weight, every = regulariser_schedule(name, spec)
        if weight and ctx.every(every):
            terms[name] = (weight * every) * PENALTIES.get(name)(**tensors)
    return terms
