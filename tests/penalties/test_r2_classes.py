"""R2 in the D step scores G's samples with the classes they were drawn for, not the real batch's."""

from types import SimpleNamespace

import torch

from ganforge.losses.rpgan import RPGAN
from ganforge.models.r3gan import R3GANDiscriminator
from ganforge.penalties.r1 import squared_slope
from ganforge.recipes.steps import d_terms_on


def test_r2_scores_fakes_with_their_own_classes():
    torch.manual_seed(0)
    D = R3GANDiscriminator((1, 8, 8), widths=[4, 4], cardinality=2, blocks=1, n_classes=3)
    for module in D.modules():  # leave the identity start so that the class embedding shapes the slope
        if hasattr(module, "project"):
            torch.nn.init.normal_(module.project.weight, std=0.3)
    real, fake = torch.randn(4, 1, 8, 8), torch.randn(4, 1, 8, 8)
    y_real, y_fake = torch.tensor([0, 0, 0, 0]), torch.tensor([1, 2, 1, 2])
    ctx = SimpleNamespace(cfg=SimpleNamespace(d_penalties={"r1": 0.5, "r2": 1.0}), joint_d_forward=True,
                          conditional=True, discriminate=lambda x, y=None: D(x, y), loss=RPGAN, augment=None,
                          every=lambda k: True, report=lambda *a: None)
    terms, _ = d_terms_on(ctx, real, y_real, fake, {"y": y_fake})
    torch.testing.assert_close(terms["r2"], squared_slope(lambda x: D(x, y_fake), fake))
    assert not torch.allclose(terms["r2"], squared_slope(lambda x: D(x, y_real), fake))
    torch.testing.assert_close(terms["r1"], 0.5 * squared_slope(lambda x: D(x, y_real), real))
