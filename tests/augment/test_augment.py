"""Differentiable augmentation (DiffAugment, ADA): the operations, the seam every recipe's D sees
through, ADA's controller, exact resume, and the refusals."""

from types import SimpleNamespace

import pytest
import torch

import ganforge
from ganforge.augment import Augment, build_augment
from ganforge.augment.ada import UNIFORMS, ada_augment
from ganforge.augment.controller import AdaController
from ganforge.augment.diffaugment import cutout, diff_augment, translation
from ganforge.config import Config, build
from ganforge.errors import GanforgeError
from ganforge.registry import LOSSES

from ..conftest import quick_sets
from ..tiny_run import once_and_resumed

CONV = ["data.image_size=16", "G.args.ngf=8", "D.args.ndf=8", "z_dim=8", "train.batch_size=16"]


def _images(n=6, c=3, h=16, w=16, seed=0):
    return torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def _augment(spec, **args):
    cfg = build(Config, {"augment": spec, "augment_args": args})
    return build_augment(cfg, LOSSES.get("minimax"))


def _ctx(aug, seed=0, out_range=(-1.0, 1.0)):
    return SimpleNamespace(noise_gen=torch.Generator().manual_seed(seed), world=1, rank=0, out_range=out_range,
                           state=dict(aug.initial_state()), report=lambda *a: None, updates={}, player="D",
                           global_mean=lambda t: t)


def test_translation_is_an_integer_shift_with_zeros_coming_in():
    x = _images(2)
    u = torch.tensor([[1.0 - 1e-6, 0.5], [0.0, 0.5]])  # rows shifted by +2 and by −2 (16 · 1/8 = 2), columns not
    out = translation(x, u)
    assert torch.equal(out[0, :, 2:], x[0, :, :-2]) and torch.equal(out[0, :, :2], torch.zeros_like(out[0, :, :2]))
    assert torch.equal(out[1, :, :-2], x[1, :, 2:]) and torch.equal(out[1, :, -2:], torch.zeros_like(out[1, :, -2:]))


def test_cutout_zeros_one_half_size_square():
    x = torch.ones(1, 1, 16, 16)
    out = cutout(x, torch.tensor([[0.5, 0.5]]))  # centred: an 8×8 square inside the image
    assert int((out == 0).sum()) == 64
    corner = cutout(x, torch.tensor([[0.0, 0.0]]))  # centred on the corner: clipped to 4×4
    assert int((corner == 0).sum()) == 16


@pytest.mark.parametrize("spec,args", [("diffaugment", {}), ("ada", {"p": 1.0, "target": None})])
def test_gradient_reaches_the_images_through_the_augmentation(spec, args):
    aug = _augment(spec, **args)
    x = _images().requires_grad_(True)
    aug(_ctx(aug), x).square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


@pytest.mark.parametrize("channels", [1, 3])
def test_ada_at_p_zero_is_the_identity_and_at_p_one_changes_every_image(channels):
    x = _images(c=channels, h=12, w=20)  # non-square too
    u = torch.rand(x.shape[0], UNIFORMS, generator=torch.Generator().manual_seed(1))
    same = ada_augment(x, u, torch.tensor(0.0), ("blit", "geom", "color"))
    assert torch.allclose(same, x, atol=1e-5)
    moved = ada_augment(x, u, torch.tensor(1.0), ("blit", "geom", "color"))
    assert moved.shape == x.shape
    assert ((moved - x).abs().flatten(1).amax(1) > 1e-3).all()


def test_ada_blit_at_p_one_only_moves_pixels():
    """Flips, quarter turns and integer translations resample exactly at pixel centres: every output
    pixel is an input pixel of the same image (reflection at the border)."""
    x = _images(n=4, c=1, h=8, w=8)
    u = torch.rand(4, UNIFORMS, generator=torch.Generator().manual_seed(2))
    out = ada_augment(x, u, torch.tensor(1.0), ("blit",))
    for i in range(4):
        values = x[i].flatten()
        assert all((values - v).abs().min() < 1e-5 for v in out[i].flatten())


def test_the_controller_moves_p_at_the_papers_speed_towards_the_target():
    aug = _augment("ada", kimg=1, interval=4)  # p from 0 to 1 in 1,000 images; batch 64 (the default) · 4
    ctrl = aug.controller
    assert ctrl.step_size == pytest.approx(64 * 4 / 1000)
    ctx = _ctx(aug)
    for update in range(8):  # D calls every real "real": r_t = 1 > 0.6, so p rises after updates 4 and 8
        ctx.updates["D"] = update
        aug.observe(ctx, torch.ones(64))
    assert float(ctx.state[AdaController.P]) == pytest.approx(2 * 0.256)
    for update in range(8, 20):  # r_t = −1: p falls, and stops at 0
        ctx.updates["D"] = update
        aug.observe(ctx, -torch.ones(64))
    assert float(ctx.state[AdaController.P]) == 0.0


def test_lsgan_reads_realness_about_the_midpoint_of_its_targets():
    cfg = build(Config, {"augment": "ada", "loss": "lsgan-binary", "augment_args": {"kimg": 1}})
    aug = build_augment(cfg, LOSSES.get("lsgan-binary"))
    ctx = _ctx(aug)
    for update in range(4):
        ctx.updates["D"] = update
        aug.observe(ctx, torch.full((64,), 0.7))  # above ½: called real
    assert float(ctx.state[AdaController.P]) > 0


def test_every_image_d_sees_goes_through_one_p_and_g_is_trained_through_it(tmp_path, monkeypatch):
    seen = []
    original = Augment.__call__

    def spy(self, ctx, x):
        out = original(self, ctx, x)
        seen.append((ctx.player, x.shape[0], float(ctx.state[AdaController.P]), x.requires_grad))
        return out

    monkeypatch.setattr(Augment, "__call__", spy)
    sets = CONV + ["augment=ada", "augment_args.p=0.5", "augment_args.target=null"]
    ganforge.train("dcgan", data="digits", steps=2, out=tmp_path / "r", set=sets + quick_sets(), console=False)
    assert {p for p, *_ in seen} == {"D", "G"}
    assert {p for *_, p, _ in seen} == {0.5}  # one p for reals and fakes, in both players' steps
    assert any(player == "G" and grad for player, _, _, grad in seen)  # G's fakes reach D with their graph


def test_ada_resumes_exactly(tmp_path):
    sets = CONV + ["augment=ada", "augment_args.kimg=2"] + quick_sets(**{"train.ckpt_every": 6})
    a, b = once_and_resumed("dcgan", tmp_path, steps=12, stop=6, sets=sets)
    assert float(a["recipe_state"][AdaController.P]) > 0  # the controller moved p
    for key in (AdaController.P, AdaController.SIGNS, AdaController.SEEN):
        assert torch.equal(a["recipe_state"][key], b["recipe_state"][key])
    for k, v in a["D"].items():
        assert torch.equal(v, b["D"][k]), k


@pytest.mark.parametrize("sets,fragment", [
    (["augment=blur"], "unknown augment 'blur'"),
    (["augment=[color,zoom]"], "DiffAugment policies"),
    (["augment_args.p=0.2"], "without augment"),
    (["augment=diffaugment", "augment_args.p=0.2"], "belong to augment=ada"),
    (["augment=ada", "augment_args.speed=3"], "unknown augment_args"),
    (["augment=ada", "augment_args.p=2"], "must be in [0, 1]"),
    (["augment=ada", "augment_args.groups=xyz"], "groups='xyz'"),
    (["augment=ada", "loss=wasserstein"], "means nothing for the wasserstein loss"),
])
def test_bad_augment_settings_are_refused_in_one_message(tmp_path, sets, fragment):
    with pytest.raises(GanforgeError, match=None) as err:
        ganforge.train("dcgan", data="digits", steps=1, out=tmp_path / "r", set=CONV + sets + quick_sets(),
                       console=False)
    assert fragment in str(err.value)


def test_points_and_two_domain_runs_refuse_augmentation():
    cfg = build(Config, {"augment": "diffaugment"})
    with pytest.raises(GanforgeError, match="this run's data is points"):
        build_augment(cfg, LOSSES.get("minimax"), "points")
    with pytest.raises(GanforgeError, match="translates between two domains"):
        build_augment(cfg, LOSSES.get("minimax"), "image", two_domain=True)


def test_diffaugment_in_a_zero_one_range_stays_in_that_frame():
    aug = _augment(["translation"])
    x = torch.ones(2, 1, 16, 16)
    out = aug(_ctx(aug, out_range=(0.0, 1.0)), x)
    assert set(out.unique().tolist()) <= {0.5, 1.0}  # what comes in is mid-grey: 0 in [-1, 1] is 0.5 in [0, 1]
    assert torch.equal(diff_augment(x, torch.full((2, 2), 0.5), ["translation"]), x)  # no shift at u = ½
