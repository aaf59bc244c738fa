"""update_order: a two-parameter game where the simultaneous and the alternating orders give
different results, computed by hand.

G has one parameter x and outputs x for every z; D has one parameter y and scores a point v as
y·v; the data is a constant 2. With the Wasserstein losses, D minimises y·x − y·2 and G
minimises −y·x, so ∂L_D/∂y = x − 2 and ∂L_G/∂x = −y. Plain SGD with lr η from (x, y) = (1, 0.5):

    simultaneous:  y' = y − η(x − 2),  x' = x + η·y      (both gradients at the old point)
    alternating:   y' = y − η(x − 2),  x' = x + η·y'     (G's gradient after D's update)
"""

import pytest
import torch
from torch import nn

from ganforge.models.base import GeneratorBase
from ganforge.recipes.base import resolve_config
from ganforge.registry import MODELS, RECIPES
from ganforge.training.loop import make_fabric
from ganforge.training.run import TrainingRun


class ConstantG(GeneratorBase):
    out_range = None

    def __init__(self, *, z_dim: int, out_shape, z_dist: str = "uniform") -> None:
        super().__init__()
        self.z_dim, self.z_dist = z_dim, z_dist
        self.x = nn.Parameter(torch.tensor(1.0))

    def forward(self, z):
        return self.x.expand(z.shape[0], 1)


class LinearD(nn.Module):
    def __init__(self, *, in_shape) -> None:
        super().__init__()
        self.y = nn.Parameter(torch.tensor(0.5))

    def forward(self, v):
        return self.y * v[:, 0]


@pytest.fixture
def game(monkeypatch, tmp_path):
    monkeypatch.setitem(MODELS._items, "test_constant_g", ConstantG)
    monkeypatch.setitem(MODELS._items, "test_linear_d", LinearD)
    csv = tmp_path / "twos.csv"
    csv.write_text("v\n" + "2.0\n" * 40)

    def make(order: str, lr: float = 0.1) -> TrainingRun:
        sgd = {"name": "sgd", "lr": lr, "momentum": 0.0, "momentum_final": None, "lr_decay": 1.0}
        cfg = resolve_config("gan", overrides={
            "data": {"name": str(csv), "args": {"standardize": False}}, "G": {"arch": "test_constant_g"},
            "D": {"arch": "test_linear_d"}, "loss": "wasserstein", "update_order": order, "z_dim": 1,
            "opt": {"D": sgd, "G": sgd}, "train": {"batch_size": 20, "threads": 1}})
        return TrainingRun(cfg, RECIPES.get("gan"), make_fabric(cfg))

    return make


def _after(run: TrainingRun, steps: int) -> tuple[float, float]:
    for s in range(steps):
        run.step(s, False)
    return float(run.raw["G"].x.detach()), float(run.raw["D"].y.detach())


def by_hand(order: str, steps: int, lr: float = 0.1) -> tuple[float, float]:
    x, y = 1.0, 0.5
    for _ in range(steps):
        y_new = y - lr * (x - 2.0)
        x = x + lr * (y if order == "simultaneous" else y_new)
        y = y_new
    return x, y


def test_the_two_orders_give_their_hand_computed_results(game):
    # one step: (1.05, 0.6) simultaneously, (1.06, 0.6) alternating
    assert by_hand("simultaneous", 1) == pytest.approx((1.05, 0.6))
    assert by_hand("alternating", 1) == pytest.approx((1.06, 0.6))
    for order in ("simultaneous", "alternating"):
        got = _after(game(order), 3)
        assert got == pytest.approx(by_hand(order, 3), rel=1e-6), order
    # and they really differ (after 3 steps x = 1.1795 simultaneously, 1.2075 alternating)
    assert abs(by_hand("simultaneous", 3)[0] - by_hand("alternating", 3)[0]) > 0.01


def test_gan_recipe_defaults_to_the_released_order():
    assert resolve_config("gan").update_order == "simultaneous"
    assert resolve_config("gan", sets=["update_order=alternating"]).update_order == "alternating"


# --- one backward through D for both players (recipes/simultaneous.py::RowLink) ----------------

def _gan_on_ring(sets=()) -> TrainingRun:
    # the 2014 maxout D with its dropout (so both players must see the same masks), on a toy target
    cfg = resolve_config("gan", overrides={"data": {"name": "ring-2d"}}, sets=["train.threads=1", "train.batch_size=64",
                                                      "D.args.dropout_input=0.2", "D.args.dropout_hidden=0.5",
                                                      "D.args.hidden=[32,32]", "G.args.hidden=[32,32]", *sets])
    return TrainingRun(cfg, RECIPES.get("gan"), make_fabric(cfg))


def _without_link(run: TrainingRun) -> TrainingRun:
    group = run.players[0]
    step = group.step

    def two_passes(ctx):
        out = step(ctx)
        assert out.backward is not None  # the fast path was on offer, and is refused here
        out.backward = None
        return out

    group.step = two_passes
    return run


def test_one_backward_through_d_gives_the_two_pass_gradients(monkeypatch):
    from ganforge.recipes.simultaneous import RowLink

    taken = []
    real = RowLink.backward
    monkeypatch.setattr(RowLink, "backward", lambda self, *a: taken.append(real(self, *a)) or taken[-1])
    one = _gan_on_ring()  # each run seeds the global generator (dropout) when it is built: one after the other
    for s in range(4):
        one.step(s, False)
    two = _without_link(_gan_on_ring())
    for s in range(4):
        two.step(s, False)
    assert taken == [True] * 4
    for name in ("G", "D"):
        for (key, a), b in zip(one.raw[name].state_dict().items(), two.raw[name].state_dict().values()):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6, msg=f"{name}.{key}")
    # and the updates did move the networks (the comparison is not between two untouched copies)
    fresh = _gan_on_ring()
    for name in ("G", "D"):
        assert not all(torch.equal(a, b) for a, b in zip(fresh.raw[name].state_dict().values(),
                                                         one.raw[name].state_dict().values())), name


def test_the_row_scale_is_the_ratio_of_the_two_losses_slopes():
    from ganforge.losses import LOSSES  # noqa: F401  (registers the families)
    from ganforge.recipes.simultaneous import RowLink
    from ganforge.registry import LOSSES as FAMILIES

    family = FAMILIES.get("minimax")
    fake = torch.randn(4, 3, requires_grad=True)
    logits = fake.sum(1) * torch.tensor([1.0, -2.0, 0.5, 3.0])
    d_loss = family.d_loss(real_logits=torch.zeros(4), fake_logits=logits)
    g_loss = family.g_loss("non_saturating")(fake_logits=logits)
    scale = RowLink(fake, logits).row_scale(d_loss, g_loss)
    # d/dl softplus(l) = σ(l) for D's fake term, d/dl softplus(−l) = −σ(−l) for G's: ratio −e^(−l)
    torch.testing.assert_close(scale.view(-1), -torch.exp(-logits.detach()))
    assert scale.shape == (4, 1)
    # D sure beyond the range (σ(−60) ≈ 1e−26 on D's side) in two rows, its slope 0 in a third (σ(−200)
    # underflows): those scales are capped at −MAX_RATIO on the device (no flag read back), and reported
    far = torch.tensor([-60.0, -200.0, 1.0, -60.0], requires_grad=True)
    d_far = family.d_loss(real_logits=torch.zeros(4), fake_logits=far)
    reported = []
    capped = RowLink(fake, far, lambda name, v: reported.append((name, float(v)))).row_scale(
        d_far, family.g_loss("non_saturating")(fake_logits=far))
    cap = torch.tensor(-RowLink.MAX_RATIO)
    torch.testing.assert_close(capped.view(-1), torch.stack([cap, cap, -torch.exp(torch.tensor(-1.0)), cap]))
    assert reported == [("g_rows_capped", 0.75)]


def test_no_shared_backward_where_a_regulariser_or_batch_statistics_reach_the_fakes():
    run = _gan_on_ring(["d_penalties={r1: 1.0}"])
    assert run.players[0].step(run.ctx).backward is None
    run = _gan_on_ring()
    assert run.players[0].step(run.ctx).backward is not None
    run.ctx.joint_d_forward = False  # as for a D with batch norm or minibatch stddev
    assert run.players[0].step(run.ctx).backward is None


def test_skipping_the_real_rows_input_gradient_changes_no_update(monkeypatch):
    import contextlib

    import ganforge.recipes.steps as steps_module
    from ganforge.nn import rows

    used = []
    apply = rows._TailRowsLinear.apply
    monkeypatch.setattr(rows._TailRowsLinear, "apply", lambda *a: used.append(a[-1]) or apply(*a))
    one = _gan_on_ring()
    for s in range(4):
        one.step(s, False)
    assert used == [64] * 4  # the joint pass of each step skipped the 64 real rows
    monkeypatch.setattr(steps_module, "rows_without_input_grad", lambda n: contextlib.nullcontext())
    two = _gan_on_ring()
    for s in range(4):
        two.step(s, False)
    assert len(used) == 4
    for name in ("G", "D"):
        for (key, a), b in zip(one.raw[name].state_dict().items(), two.raw[name].state_dict().values()):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6, msg=f"{name}.{key}")


def test_dropout_and_latent_streams_are_independent():
    """torch's global stream (dropout masks) and the latent generator are seeded apart: seeded alike they
    are one Mersenne stream, so every dropout mask would reuse the bits of a z drawn at another step."""
    cfg = resolve_config("gan", sets=["data.name=digits", "train.threads=1", "train.seed=3"])
    TrainingRun(cfg, RECIPES.get("gan"), make_fabric(cfg))
    from_global = torch.rand(1000)
    latent = TrainingRun(cfg, RECIPES.get("gan"), make_fabric(cfg)).noise_gen  # on the GPU where the run is there
    from_latent = torch.rand(1000, generator=latent, device=latent.device).cpu()
    shared = len(set(from_global.tolist()) & set(from_latent.tolist()))
    assert shared == 0, shared
