"""Every registered recipe builds at toy size, trains a few steps on CPU with finite losses,
changes its parameters, and its checkpoint loads back into identical outputs."""

import json
import math

import pytest
import torch

import ganforge
from ganforge.api import run_shapes
from ganforge.config import deep_merge, to_sets
from ganforge.recipes.base import resolve_config
from ganforge.registry import RECIPES
from ganforge.training.build import build_models, build_networks
from ganforge.training.checkpoint import latest_checkpoint, load_checkpoint

from ..conftest import quick_sets


@pytest.mark.parametrize("name", RECIPES.names())
def test_recipe_trains_at_toy_size(name, tmp_path):
    recipe = RECIPES.get(name)
    over = deep_merge({"train": {"batch_size": 16}}, recipe.test_overrides)
    sets = to_sets(over) + quick_sets()
    r1 = ganforge.train(name, out=tmp_path / "a", steps=1, set=sets, console=False)
    r3 = ganforge.train(name, out=tmp_path / "b", steps=4, set=sets, console=False)
    assert r1["step"] == 1 and r3["step"] == 4
    recs = [json.loads(line) for line in open(tmp_path / "b" / "metrics.jsonl")]
    assert recs, "no metrics logged"
    for key in ("d_loss", "g_loss", "grad_norm_D", "grad_norm_G"):
        assert recs[-1][key] is not None and math.isfinite(recs[-1][key]), key
    s1 = load_checkpoint(latest_checkpoint(tmp_path / "a"))
    s3 = load_checkpoint(latest_checkpoint(tmp_path / "b"))
    for net in ("G", "D"):
        changed = [k for k in s1[net] if s1[net][k].is_floating_point() and not torch.equal(s1[net][k], s3[net][k])]
        assert changed, f"{net} parameters did not change between step 1 and step 4"

    # save/load round trip: the loaded generator equals a fresh build with the checkpoint's weights
    G_loaded = ganforge.load(tmp_path / "b")
    cfg = G_loaded.cfg
    if recipe.domains:  # a translator (cyclegan): G takes images of domain A
        G_fresh = build_networks(cfg, tuple(G_loaded.meta["data_shape"]), G_loaded.latent, names=("G",),
                                 shapes=run_shapes(G_loaded.meta))["G"]
        args = (torch.rand(5, *G_loaded.G.in_shape, generator=torch.Generator().manual_seed(3)) * 2 - 1,)
    else:
        G_fresh, _ = build_models(cfg, tuple(G_loaded.meta["data_shape"]), G_loaded.meta.get("n_classes"))
        args = G_loaded.latent.g_args(G_loaded.latent.sample(5, generator=torch.Generator().manual_seed(3)))
    G_fresh.load_state_dict(s3["G_ema"] if "G_ema" in s3 else s3["G"])  # load() gives the EMA where a run keeps one
    G_fresh.eval()
    with torch.no_grad():
        torch.manual_seed(0)  # generators whose dropout is part of their noise draw it from this stream
        out_loaded = G_loaded(*args)
        torch.manual_seed(0)
        assert torch.equal(out_loaded, G_fresh(*args))
    if recipe.domains:
        return  # translators draw no samples from noise (see tests/recipes/test_cyclegan.py)
    a, b = G_loaded.sample(6, seed=1), ganforge.load(tmp_path / "b").sample(6, seed=1)
    assert torch.equal(a, b)
    if G_loaded.kind == "image":
        assert a.min() >= 0 and a.max() <= 1


@pytest.mark.parametrize("recipe", ["sagan", "biggan", "cgan-projection", "acgan", "sngan", "wgan-gp"])
def test_mnist_presets_centre_the_digits_unscaled_and_fashion_keeps_its_resize(recipe):
    """MNIST at 32×32: the digits unscaled in the frame (read back cut to 28×28 by the evaluation); the
    Fashion-MNIST preset, measured resized, keeps that."""
    m = resolve_config(recipe, overrides={"data": {"name": "mnist"}})
    assert (m.data.image_size, m.data.fit) == ([32, 32], "centre")
    f = resolve_config(recipe, overrides={"data": {"name": "fashion-mnist"}})
    assert (f.data.image_size, f.data.fit) == ([32, 32], "crop")


def test_sagan_fashion_preset_leaves_gs_z_layer_out_of_spectral_norm_and_mnist_keeps_it():
    """Fashion-MNIST: spectral norm everywhere in G but its z layer (there it let the layer's bias displace z);
    MNIST and the paper-scale default: spectral norm on every layer of G, as the paper."""
    for data, project_sn in (("fashion-mnist", False), ("mnist", True), ("cifar10", True)):
        cfg = resolve_config("sagan", overrides={"data": {"name": data}})
        assert cfg.G.spectral_norm is True
        assert cfg.G.args.get("project_sn", True) is project_sn
        G, _ = build_models(cfg, (1 if "mnist" in data else 3, 32, 32), n_classes=10)
        assert hasattr(G.project, "parametrizations") is project_sn and hasattr(G.blocks[0].conv1, "parametrizations")
