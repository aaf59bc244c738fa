"""The standard D and G steps (Algorithm 1 of Goodfellow et al., 2014, generalised), the
regularisers they add, and the post-update hook. A step returns named loss terms; the
trainer sums them and does the optimisation."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import torch
from torch import Tensor

from ..errors import GanforgeError
from ..nn.rows import rows_without_input_grad
from ..penalties import PENALTIES, clip_weights_
from .context import StepContext


def d_logits(ctx: StepContext, real: Tensor, fake: Tensor, y_real: Tensor | None = None,
             y_fake: Tensor | None = None, *, aux: bool = False):
    """D's scores on real and fake: one pass over the concatenation when D has no batch
    statistics (same maths, one GEMM per layer instead of two), else two passes (DCGAN's BN and
    PGGAN's minibatch stddev must see all-real and all-fake batches). With ``aux`` (a D with a second output: AC-GAN's
    class logits, InfoGAN's trunk features) returns ((real, real_aux), (fake, fake_aux))."""
    kw = {"aux": True} if aux else {}
    if ctx.joint_d_forward:
        y = torch.cat([y_real, y_fake]) if ctx.conditional else None
        x = torch.cat([real, fake.to(real.dtype)])
        if fake.requires_grad and not real.requires_grad:  # the simultaneous step: G needs the fakes' gradient only
            with rows_without_input_grad(real.shape[0]):
                out = ctx.discriminate(x, y, **kw)
        else:
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


def d_terms(ctx: StepContext, *, aux: bool = False, d_loss=None) -> tuple[dict[str, Tensor], dict]:
    """D's side of a step on a fresh real batch and fresh fakes (made without autograd): its loss
    and the config's D regularisers as named terms; reports the loss family's statistics.
    Returns (terms, parts): parts holds ``y_real``, ``lat`` and, with ``aux``, ``real_aux`` and
    ``fake_aux`` — what a recipe adds its own terms from (AC-GAN, InfoGAN). ``d_loss`` replaces the
    loss family's D loss (a recipe's parametrised one: EBGAN's margin, BEGAN's k_t)."""
    real, y_real = ctx.batch()
    lat = ctx.latent()
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
    D = partial(ctx.discriminate, y=y_real) if ctx.conditional else ctx.D
    terms.update(regulariser_terms(ctx, ctx.cfg.d_penalties, D=D, real=real, fake=fake,
                                   real_logits=real_logits, fake_logits=fake_logits))
    for name, value in ctx.loss.stats(real_logits=real_logits, fake_logits=fake_logits).items():
        ctx.report(name, value)
    return terms, parts


def standard_g_step(ctx: StepContext) -> dict[str, Tensor]:
    """Algorithm 1, outer step: a fresh minibatch of m noise samples; G descends its loss."""
    return g_terms(ctx)[0]


def g_terms(ctx: StepContext, *, aux: bool = False) -> tuple[dict[str, Tensor], dict]:
    """G's side of a step on fresh latents (G's batch), D frozen: G's loss and the config's G
    regularisers as named terms. Returns (terms, parts): ``lat`` and, with ``aux``, ``fake_aux``."""
    lat = ctx.latent(ctx.g_batch)
    fake = ctx.generate(lat)
    with ctx.frozen(ctx.D):
        fake_logits = ctx.discriminate(fake, lat.get("y"), **({"aux": True} if aux else {}))
    parts = {"lat": lat}
    if aux:
        fake_logits, parts["fake_aux"] = fake_logits
    terms = {"adv": ctx.g_loss(fake_logits=fake_logits)}
    terms.update(regulariser_terms(ctx, ctx.cfg.g_penalties, G=ctx.G, fake=fake, fake_logits=fake_logits))
    return terms, parts


def simultaneous_step(ctx: StepContext) -> dict[str, dict[str, Tensor]]:
    """Both players' losses from one minibatch and one D pass (the 2014 GAN's released code:
    AdversaryCost2 computes D's and G's objectives on the same samples, with the same dropout
    masks, and SGD applies both updates at once)."""
    real, y_real = ctx.batch()
    lat = ctx.latent()
    fake = ctx.generate(lat)
    # one D pass over cat(real, fake) where D has no batch statistics (as d_logits decides): G's
    # backward then also runs through the real rows (zero gradient; +9% FLOPs), but the step was
    # faster alone here — fp32 16.3 → 15.7 ms, bf16-mixed 14.1 → 11.8 ms — as D's weight gradient is
    # one GEMM over 200 rows instead of two over 100 and a sum, and bf16 casts D's weights once
    d, parts = d_terms_on(ctx, real, y_real, fake, lat)
    g = {"adv": ctx.g_loss(fake_logits=parts["fake_logits"])}
    g.update(regulariser_terms(ctx, ctx.cfg.g_penalties, G=ctx.G, fake=fake, fake_logits=parts["fake_logits"]))
    out = {"D": d, "G": g}
    logits = parts["fake_logits"]
    if ctx.joint_d_forward and len(d) == 1 and len(g) == 1 and logits.numel() == fake.shape[0]:
        out["link"] = RowLink(fake, logits)
    return out


@dataclass
class RowLink:
    """How a simultaneous step's two losses meet, when one backward through D can serve both.

    Holds when D scores each row on its own (no batch statistics: ``joint_d_forward``), gives one
    scalar per row, and both losses reach ``fake`` only through ``logits`` (no regulariser terms).
    Then row i of dL/dfake is (dL/dl_i)·(dl_i/dfake_i) for either loss: G's gradient at ``fake`` is
    D's, row i scaled by (dL_G/dl_i) / (dL_D/dl_i), and the trainer need not backpropagate G's loss
    through D a second time (``TrainingRun._update_together``). Same gradients, up to rounding."""

    fake: Tensor  # G's output as D read it (the end of G's graph)
    logits: Tensor  # D's scores of those rows, [N] or [N, 1]

    # the ratio stays within fp32's (and bf16's) range with room for D's backward below it; beyond
    # (D sure a fake is fake by more than ~27 logits under the minimax loss) the trainer takes the
    # second pass instead
    MAX_RATIO = 1e12

    def row_scale(self, d_loss: Tensor, g_loss: Tensor) -> Tensor | None:
        """(dL_G/dl_i) / (dL_D/dl_i) per row, shaped to broadcast over ``fake``; None where a row's
        D gradient is 0 or the ratio is out of range (the caller then backpropagates G's loss)."""
        g_d, = torch.autograd.grad(d_loss, self.logits, retain_graph=True)
        g_g, = torch.autograd.grad(g_loss, self.logits, retain_graph=True)
        ratio = g_g.float().reshape(-1) / g_d.float().reshape(-1)
        if not bool(torch.isfinite(ratio).all() & (ratio.abs() <= self.MAX_RATIO).all()):
            return None
        return ratio.view(-1, *[1] * (self.fake.dim() - 1))


def standard_after_d_update(ctx: StepContext) -> None:
    """Post-update hook: weight clipping when the config asks for it (WGAN)."""
    if ctx.cfg.d_clip is not None:
        clip_weights_(ctx.raw["D"], ctx.cfg.d_clip)


def regulariser_schedule(name: str, spec) -> tuple[float, int]:
    """A config entry → (weight, every). ``10`` means weight 10 on every update;
    ``{weight: 5, every: 16}`` is a lazy regulariser (StyleGAN2, Karras et al. 2020, Sec. 3.1)."""
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return float(spec), 1
    if isinstance(spec, dict) and set(spec) <= {"weight", "every"} and "weight" in spec:
        weight, every = spec["weight"], spec.get("every", 1)
        if isinstance(weight, (int, float)) and not isinstance(weight, bool) and isinstance(every, int) and every >= 1:
            return float(weight), every
    raise GanforgeError(f"regulariser {name}: expected a weight (a number) or {{weight: W, every: K}} with K ≥ 1, "
                        f"got {spec!r}")


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
