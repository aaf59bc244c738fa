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
            "opt_D": sgd, "opt_G": sgd, "train": {"batch_size": 20, "threads": 1}})
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
