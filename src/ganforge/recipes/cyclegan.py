"""CycleGAN: Zhu, Park, Isola & Efros, "Unpaired Image-to-Image Translation using
Cycle-Consistent Adversarial Networks", ICCV 2017.

Two translators, G: A → B and F: B → A, and two PatchGAN discriminators, D (judges domain B, the
paper's D_Y) and D_A (judges A, D_X). G and F minimise the least-squares adversarial loss against
both Ds plus λ·(cycle loss) (Eq. 3) and, as in the authors' code, 0.5·λ·(identity loss); the Ds
minimise the halved least-squares loss on real images and on fakes drawn from a pool of the last
50 translations. As in the authors' code (``cycle_gan_model.py``), one optimiser updates G and F,
another D and D_A; G's update uses the Ds before their update and D's update uses fakes made
before G's update, so both players' gradients come from one forward pass (``Simultaneous``).
Network names in the config: ``G``, ``F`` (nets.F), ``D`` (judges B), ``D_A`` (nets.D_A).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F_

from ..data.base import to_unit
from ..errors import GanforgeError
from ..penalties.cycle import cycle_loss, identity_loss, semantic_loss
from ..training.players import Player, Simultaneous
from .base import Recipe, register_recipe
from .image_pool import pool_query

DOMAINS = {"G": ("a", "b"), "F": ("b", "a"), "D": ("b", "b"), "D_A": ("a", "a")}
# the authors' criterionGAN for G is the plain MSE against 1; the least-squares family's G loss
# carries LSGAN's ½ (its D loss is already the halved sum the paper uses for D)
G_ADV_WEIGHT = 2.0


def step(ctx):
    """One pair of batches: G's and F's terms with the Ds frozen at their current weights, and
    the Ds' terms on the real images and on pooled fakes (detached)."""
    args = ctx.cfg.recipe_args
    real_a, _ = ctx.batch("a")
    real_b, _ = ctx.batch("b")
    G, F, D_b, D_a = ctx.nets["G"], ctx.nets["F"], ctx.nets["D"], ctx.nets["D_A"]
    fake_b, fake_a = G(real_a), F(real_b)
    rec_a, rec_b = F(fake_b), G(fake_a)
    lam = args["lambda_cycle"]
    g = {"adv_b": G_ADV_WEIGHT * ctx.g_loss(fake_logits=D_b(fake_b)),
         "adv_a": G_ADV_WEIGHT * ctx.g_loss(fake_logits=D_a(fake_a)),
         "cycle": lam * cycle_loss(real_a=real_a, rec_a=rec_a, real_b=real_b, rec_b=rec_b)}
    if args["identity"] > 0:
        # G(b) ≈ b, F(a) ≈ a; between domains of two sizes b is shown to G at A's size (F's resampling of
        # its input) and a to F at B's size, so G(up(b)) ≈ b: the same constraint, defined for any sizes
        same_b = G(real_b) if real_a.shape == real_b.shape else G(ctx.raw["F"].resample(real_b))
        same_a = F(real_a) if real_a.shape == real_b.shape else F(ctx.raw["G"].resample(real_a))
        g["identity"] = args["identity"] * lam * identity_loss(real_a=real_a, same_a=same_a, real_b=real_b,
                                                               same_b=same_b)
    if args["semantic"] > 0:
        f_a, f_b = (_classifier(spec, real_a.device, ctx.out_range) for spec in classifier_specs(ctx.cfg))
        g["semantic"] = args["semantic"] * semantic_loss(f_a=f_a, f_b=f_b, real_a=real_a, fake_b=fake_b,
                                                         real_b=real_b, fake_a=fake_a)
    # D's fakes: from the pools (the newest translations go in; half the time an older one comes out)
    pooled_b, ctx.state["pool_b"] = pool_query(ctx.state["pool_b"], fake_b, capacity=int(args["pool_size"]))
    pooled_a, ctx.state["pool_a"] = pool_query(ctx.state["pool_a"], fake_a, capacity=int(args["pool_size"]))
    d = {"b": ctx.loss.d_loss(real_logits=D_b(real_b), fake_logits=D_b(pooled_b)),
         "a": ctx.loss.d_loss(real_logits=D_a(real_a), fake_logits=D_a(pooled_a))}
    ctx.report("cycle_l1_a", (rec_a - real_a).detach().abs().mean())
    ctx.report("cycle_l1_b", (rec_b - real_b).detach().abs().mean())
    return {"G": g, "D": d}


_CLASSIFIERS: dict = {}


def classifier_specs(cfg) -> tuple[str, str]:
    """The semantic term's classifiers of domains A and B: recipe_args.classifier_a / classifier_b, or, where
    unset, the classifier shipped for the domain's named dataset (mnist, digits, fashion-mnist, cifar10)."""
    from ..models.classifier import SHIPPED

    specs = []
    for key, data in (("classifier_a", cfg.data), ("classifier_b", cfg.data_b)):
        spec = cfg.recipe_args[key]
        if not spec:
            name = getattr(data, "name", None)
            if name not in SHIPPED:
                domain = name or f"{cfg.data.name}'s second domain"
                raise GanforgeError(f"recipe_args.semantic > 0 needs recipe_args.{key}: no classifier ships for "
                                    f"{domain}; name one (mnist, digits, fashion-mnist, cifar10) or a file from "
                                    f"scripts/train_classifier.py --out PATH")
            spec = name
        specs.append(str(spec))
    return specs[0], specs[1]


def _classifier(spec: str, device, out_range):
    """A frozen classifier (shipped name or weights file) that takes the translators' images as they come
    (``out_range``, any size) and brings them to its 28×28 [0, 1] input the way the metrics do (bilinear,
    antialiased), differentiably; one copy per device, kept out of the checkpoint."""
    key = (spec, str(device), tuple(out_range))
    if key not in _CLASSIFIERS:
        import copy

        from ..models.classifier import load_classifier_file

        net, _ = load_classifier_file(spec)
        _CLASSIFIERS[key] = _Reader(copy.deepcopy(net).to(device), out_range)
    return _CLASSIFIERS[key]


class _Reader(torch.nn.Module):
    def __init__(self, net, out_range) -> None:
        super().__init__()
        self.net, self.lo, self.hi = net, float(out_range[0]), float(out_range[1])

    def forward(self, x):
        from ..models.classifier import to_classifier_input

        x = to_unit(x, (self.lo, self.hi))
        return self.net(to_classifier_input(x, self.net.image_size, self.net.channels))


def players(cfg):
    return [Simultaneous([Player("G", ("G", "F"), None), Player("D", ("D", "D_A"), None)],
                         step)]


def initial_state(cfg):
    """The two image pools, empty: they fill with the first 50 translations and are checkpointed."""
    return {"pool_a": torch.zeros(0), "pool_b": torch.zeros(0)}


def check_networks(nets, cfg, data_shape, latent):
    """G maps A's shape to B's, F the reverse; each D scores its domain with a map of patch scores."""
    shape_a, shape_b = tuple(nets["G"].in_shape), tuple(nets["G"].out_shape)
    with torch.no_grad():
        for name, src, dst in (("G", shape_a, shape_b), ("F", shape_b, shape_a)):
            out = nets[name].eval()(torch.zeros(1, *src))
            nets[name].train()
            if tuple(out.shape[1:]) != dst:
                raise GanforgeError(f"{name} makes images of shape {tuple(out.shape[1:])}, but its target domain has "
                                    f"shape {dst}")
        for name, shape in (("D", shape_b), ("D_A", shape_a)):
            s = nets[name](torch.zeros(1, *shape))
            if s.dim() not in (1, 3) or s.shape[0] != 1:
                raise GanforgeError(f"{name} must return scores [N] or patch scores [N, H, W], got {tuple(s.shape)}")
    resamples = all(hasattr(nets[n], "resample") for n in ("G", "F"))
    if cfg.recipe_args["identity"] > 0 and shape_a != shape_b and not (resamples and shape_a[0] == shape_b[0]):
        raise GanforgeError(f"the identity loss feeds each translator an image of its target domain, but the domains "
                            f"differ in shape ({shape_a} vs {shape_b}) and the translators cannot resample them; turn "
                            f"it off with --set recipe_args.identity=0")


@torch.no_grad()
def sample_grid(run, n: int = 8):
    """Rows: A, G(A), F(G(A)), B, F(B), G(F(B)) on n images spread over each domain, shown at
    the larger domain's size (nearest-neighbour), in [0, 1]."""
    ctx = run.ctx
    G, F = run.raw["G"], run.raw["F"]
    was = G.training, F.training
    G.eval(), F.eval()
    try:
        data_b = run.sources["b"].data
        k = min(n, len(run.data), len(data_b))
        # spread over each domain (a folder sorted by class would otherwise show one class)
        a = run.data.to_model(run.data.x[torch.linspace(0, len(run.data) - 1, k).long()], ctx.out_range)
        b = data_b.to_model(data_b.x[torch.linspace(0, len(data_b) - 1, k).long()], ctx.out_range)
        fake_b, fake_a = G(a), F(b)
        rows = [a, fake_b, F(fake_b), b, fake_a, G(fake_a)]
    finally:
        G.train(was[0]), F.train(was[1])
    return display_rows(rows, ctx.out_range), k


def display_rows(rows, out_range) -> torch.Tensor:
    """Images of two domains as one batch: the larger size, 3 channels when either has 3."""
    size = max(max(r.shape[2] for r in rows), max(r.shape[3] for r in rows))
    channels = max(r.shape[1] for r in rows)
    out = []
    for r in rows:
        r = to_unit(r.float().cpu(), out_range)
        if r.shape[2:] != (size, size):
            r = F_.interpolate(r, size=(size, size), mode="nearest")
        out.append(r.expand(-1, channels, -1, -1))
    return torch.cat(out)


def _validate(cfg):
    from ..registry import LOSSES

    if LOSSES.get(cfg.loss).relativistic:
        raise GanforgeError(f"loss {cfg.loss!r} pairs reals with fakes of one domain; cyclegan's translators are judged "
                            f"on their outputs alone (its loss: least_squares, as the paper)")
    a = cfg.recipe_args
    if a["lambda_cycle"] < 0 or a["identity"] < 0:
        raise GanforgeError(f"recipe_args.lambda_cycle and recipe_args.identity must be ≥ 0, got {a['lambda_cycle']}, "
                            f"{a['identity']}")
    if a["semantic"] < 0:
        raise GanforgeError(f"recipe_args.semantic must be ≥ 0 (0: off, the paper's losses only), got {a['semantic']}")
    if a["semantic"] > 0:
        from ..models.classifier import load_classifier_file

        for spec in classifier_specs(cfg):
            load_classifier_file(spec)  # a clear error now, not at the first step
    if a["pool_size"] < 0 or int(a["pool_size"]) != a["pool_size"]:
        raise GanforgeError(f"recipe_args.pool_size must be a whole number ≥ 0 (0: no pool), got {a['pool_size']}")
    if cfg.update_order != "simultaneous" or cfg.d_steps != 1 or cfg.g_steps != 1:
        raise GanforgeError("cyclegan updates G+F and D+D_A once each from one forward pass (update_order=simultaneous, "
                            "d_steps=g_steps=1), which equals the authors' G-then-D order")


_OPT = {"name": "adam", "lr": 2e-4, "betas": [0.5, 0.999], "schedule": "linear", "lr_min": 0.0,
        "decay_start": 0.5}  # the paper's 100 + 100 epochs: constant for half the run, then down to 0
_EPOCH = 1334  # the authors' epoch: max(|trainA|, |trainB|) pairs (horse2zebra: 1,067 horses, 1,334 zebras)
_G = {"arch": "cyclegan_resnet", "args": {"ngf": 64, "n_blocks": 9, "n_down": 2}}
_D = {"arch": "patchgan", "args": {"ndf": 64, "n_layers": 3}}


def _preset(steps: int, g: dict, f: dict, d: dict, d_a: dict, **extra) -> dict:
    opt = {"decay_start": 0.5}
    return {"G": {"args": g}, "D": {"args": d}, "nets": {"F": {"args": f}, "D_A": {"args": d_a}},
            "opt": {"D": opt, "G": opt}, "train": {"steps": steps, "sample_every": 1000, "ckpt_every": 1000}, **extra}


# CPU presets (documented in docs/paper-settings-cyclegan.md); budgets set by benchmarks/bench_cyclegan.py
_H2Z = _preset(3000, {"ngf": 16, "n_blocks": 4}, {"ngf": 16, "n_blocks": 4}, {"ndf": 32, "n_layers": 2},
               {"ndf": 32, "n_layers": 2},
               data={"image_size": [64, 64]})
# MNIST 28×28 ↔ sklearn digits 8×8: G (→ 8×8) down-samples once, F (→ 28×28) twice; D on 8×8
# images sees 16×16 patches (the whole digit), D_A on 28×28 34×34 ones; the identity loss on, through
# the translators' resampling (without it G keeps far fewer classes: bench_cyclegan.py)
_DIGITS = _preset(6000, {"ngf": 32, "n_blocks": 3, "n_down": 1}, {"ngf": 32, "n_blocks": 3, "n_down": 2},
                  {"ndf": 32, "n_layers": 1}, {"ndf": 32, "n_layers": 2},
                  data={"image_size": None}, data_b={"name": "digits"})

register_recipe(Recipe(
    name="cyclegan",
    title="CycleGAN",
    paper="Zhu, Park, Isola & Efros, 2017, Unpaired Image-to-Image Translation using Cycle-Consistent "
          "Adversarial Networks",
    year=2017,
    url="https://arxiv.org/abs/1703.10593",
    defaults={
        "data": {"name": "horse2zebra", "image_size": [256, 256]},
        "G": _G, "D": _D, "nets": {"F": _G, "D_A": _D},
        "loss": "lsgan-binary", "update_order": "simultaneous",
        "opt": {"D": _OPT, "G": _OPT}, "train": {"batch_size": 1, "steps": 200 * _EPOCH, "n_grid": 8},
    },
    args={"lambda_cycle": 10.0, "identity": 0.5, "pool_size": 50,
          # off by default: CyCADA's semantic-consistency term through two fixed classifiers (see deviations);
          # unset classifiers: those shipped for the domains' named datasets
          "semantic": 0.0, "classifier_a": None, "classifier_b": None},
    dataset_defaults={"horse2zebra-64": _H2Z, "mnist": _DIGITS},
    players=players,
    initial_state=initial_state,
    check_networks=check_networks,
    sample_grid=sample_grid,
    probes=lambda cfg, data, family: [],
    domains=DOMAINS,
    validate=_validate,
    test_overrides={"data": {"name": "digits", "image_size": None}, "data_b": {"name": "digits"},
                    "G": {"args": {"ngf": 4, "n_blocks": 1, "n_down": 1}},
                    "D": {"args": {"ndf": 4, "n_layers": 1}},
                    "nets": {"F": {"args": {"ngf": 4, "n_blocks": 1, "n_down": 1}},
                             "D_A": {"args": {"ndf": 4, "n_layers": 1}}},
                    "opt": {"D": {"decay_start": 0}, "G": {"decay_start": 0}}, "recipe_args": {"pool_size": 3}},
    sources={
        "G: c7s1-64, d128, d256, 9 × R256 (6 at 128²), u128, u64, c7s1-3; reflection padding; instance norm":
            "paper, App. 7.2 (after Johnson et al.); authors' ResnetGenerator (networks.py)",
        "D: 70×70 PatchGAN C64-C128-C256-C512, no norm on C64, LeakyReLU 0.2": "paper, App. 7.2; authors' "
            "NLayerDiscriminator (n_layers_D 3)",
        "least-squares adversarial loss; D's objective halved": "paper, Sec. 4 and App. 7.1; authors' GANLoss('lsgan') "
            "and backward_D_basic ((real + fake) · 0.5)",
        "λ = 10 on the cycle loss (L1)": "paper, Sec. 4 (Eq. 3); authors' lambda_A = lambda_B = 10",
        "identity loss 0.5·λ, on by default": "authors' cycle_gan_model.py (lambda_identity 0.5); paper Sec. 5.2 "
            "(used for painting → photo, weight 0.5λ)",
        "image pool of 50, stored image returned with probability ½ once full": "paper, Sec. 4 (Shrivastava et al.); "
            "authors' util/image_pool.py",
        "Adam lr 2e-4, β = (0.5, 0.999), batch 1": "paper, Sec. 4; authors' train options (beta1 0.5)",
        "100 epochs constant, then linear decay to 0 over 100 epochs": "paper, Sec. 4; authors' lr_policy linear "
            "(n_epochs 100, n_epochs_decay 100)",
        "weights N(0, 0.02)": "paper, App. 7.1; authors' init_weights (init_gain 0.02)",
        "one optimiser for G and F, one for both Ds; G's update, then D's on the same forward pass": "authors' "
            "cycle_gan_model.py (optimize_parameters)",
        "epoch = max(|trainA|, |trainB|) pairs (1,334 for horse2zebra)": "authors' UnalignedDataset.__len__",
    },
    deviations=(
        "The learning rate decays per step, not per epoch: constant for the first half of the run (decay_start 0.5; "
        "the paper's 100 epochs = 133,400 steps of full horse2zebra), then linearly to 0 at the run's end (the authors' per-epoch rule "
        "1 − max(0, e − 100)/101 leaves lr/101 for the last epoch).",
        "No data augmentation: the authors load 286×286 and take random 256×256 crops with random flips; here the "
        "images are resized once to data.image_size (shorter side, centre crop).",
        "B's images are drawn in their own shuffled epochs (the authors draw a random B for each A in order).",
        "CPU presets (docs/paper-settings-cyclegan.md): horse2zebra at 64×64 with ngf 16, 4 residual blocks, "
        "34×34 PatchGAN with ndf 32 (n_layers 2), 3,000 steps; MNIST ↔ digits at 28×28 ↔ 8×8 with ngf 32, 3 blocks, 6,000 steps.",
        "When the two domains differ in size (MNIST 28×28 ↔ digits 8×8) each translator resamples its input to "
        "its output size (area average down, bilinear up) and runs the ResNet there; the identity loss shows each "
        "translator its target domain's images at its input size (G(up(b)) ≈ b, F(down(a)) ≈ a).",
        "The D of the 8×8 domain has one stride-2 layer (n_layers 1, 16×16 receptive field): the 70×70 "
        "PatchGAN's three stride-2 layers need at least 24×24 inputs.",
        "The local horse2zebra copy holds 550 of 1,067 horses and 550 of 1,334 zebras (the full test sets).",
        "Options that are not the paper's, off by default: G.args.frame / nets.F.args.frame=[h, w] match two "
        "framings (the larger domain's content box ↔ the smaller image; MNIST ↔ digits: [20, 20]); "
        "recipe_args.semantic=W with recipe_args.classifier_a / classifier_b adds CyCADA's semantic-consistency "
        "term (Hoffman et al. 2018) W·[CE(f_B(G(a)), argmax f_A(a)) + CE(f_A(F(b)), argmax f_B(b))] through two "
        "fixed classifiers (docs/paper-settings-cyclegan.md).",
    ),
))
