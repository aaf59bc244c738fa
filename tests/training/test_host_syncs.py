"""No host sync between log intervals: every recipe's training steps leave values on the device
until the statistics are flushed (``training/host_syncs.py`` counts on a CPU what would make a GPU
wait: reads, copies to the host, data-dependent shapes, blocking copies to the device)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ganforge.config import deep_merge, to_sets
from ganforge.nn.host_scalar import HostScalar
from ganforge.recipes.base import resolve_config
from ganforge.registry import RECIPES
from ganforge.training.host_syncs import PRETEND, count_training, watching

# beyond each recipe's own test size: a short critic boost for wgan (its default: 100 D steps for the first 25
# G steps), and paths the defaults do not take
EXTRA = {"wgan": {"recipe_args": {"d_steps_boost": {"d_steps": 3, "first": 2, "every": 5}}}}
VARIANTS = [(name, EXTRA.get(name, {})) for name in RECIPES.names()] + [
    ("stylegan", {"d_penalties": {"r1": {"weight": 5.0, "every": 2}}}),  # a lazy penalty
    ("dcgan", {"update_order": "simultaneous"}),  # the shared backward (RowLink) on a convolutional D
    ("gan", {"update_order": "alternating"}),
    ("pggan", {"recipe_args": {"minibatch": {8: 2, 16: 2}}}),  # a per-resolution minibatch
]


def tiny_config(name: str, extra: dict, *, steps: int = 8, log_every: int = 4):
    over = deep_merge(deep_merge({"train": {"batch_size": 16}}, RECIPES.get(name).test_overrides), extra)
    sets = to_sets(over) + ["train.threads=1", f"train.log_every={log_every}", "train.sample_every=1000",
                            "train.ckpt_every=1000", f"train.steps={steps}"]
    return resolve_config(name, sets=sets)


@pytest.mark.parametrize("name, extra", VARIANTS, ids=[f"{n}{'+' + str(e) if e else ''}" for n, e in VARIANTS])
def test_no_host_sync_between_log_intervals(name, extra, tmp_path):
    count = count_training(tiny_config(name, extra), tmp_path / "run")
    quiet = count.between_logs()
    assert len(quiet) == 6, quiet  # steps 0-2 and 4-6; 3 and 7 log
    bad = {s: sorted(set(count.where[s])) for s, n in quiet.items() if n}
    assert not bad, f"{name}: host syncs between log intervals (step: what, where): {bad}"


def test_the_counter_sees_every_kind_of_sync():
    x = torch.arange(4.0)
    with watching(x) as count:
        y = x * 2
        y.sum().item()
        bool(y.any())
        float(y[0])
        int(y[1])
        y.tolist()
        y.numpy()
        np.asarray(y)
        torch.allclose(y, x)
        y.cpu()
        y.to("cpu")
        y.nonzero()
        y[y > 1]
        torch.masked_select(y, y > 1)
        torch.unique(y)
        torch.tensor(1.0, device=PRETEND)  # a blocking copy to the device
        torch.ones(2).to(PRETEND)
    assert count.per_step[0] == {"read": 5, "to_host": 5, "shape": 4, "to_device": 2}, count.where[0]


def test_the_counter_leaves_host_values_alone():
    x = torch.arange(4.0)
    with watching(x) as count:
        float(torch.rand(()))  # a coin from torch's CPU stream
        torch.ones(3).tolist()
        x.to(PRETEND, non_blocking=True)
        (x * 2).sum()
        F.one_hot(torch.tensor([1, 2]).to(PRETEND, non_blocking=True), 4)  # reads its range on a CPU only
        torch.zeros(2, device=PRETEND).add_(1.0)
    assert count.total(0) == 0, count.where.get(0)


def test_a_host_scalar_reads_the_device_only_after_an_outside_write():
    t = torch.zeros((), dtype=torch.bfloat16)
    mirror = HostScalar()
    with watching(t) as count:
        mirror.set(t, 1 / 3)
        assert mirror.get(t) == float(torch.tensor(1 / 3, dtype=torch.bfloat16))  # as t holds it
    assert count.total(0) == 0, count.where.get(0)
    t.fill_(2.0)  # written elsewhere (a loaded state dict, the EMA's copy)
    with watching(t) as count:
        assert mirror.get(t) == 2.0
        assert mirror.get(t) == 2.0
    assert count.total(0) == 1, count.where.get(0)  # one read, then from memory
    other = torch.full((), 5.0)  # another tensor in its place (a resume)
    assert mirror.get(other) == 5.0


def test_a_growing_network_reads_its_progress_back_only_when_written_elsewhere():
    from ganforge.models.progressive import ProgressiveGenerator

    G = ProgressiveGenerator(z_dim=8, out_shape=(1, 16, 16), fmap_base=32, fmap_max=8)
    G.set_progress(1.5)
    loaded = ProgressiveGenerator(z_dim=8, out_shape=(1, 16, 16), fmap_base=32, fmap_max=8)
    copy = ProgressiveGenerator(z_dim=8, out_shape=(1, 16, 16), fmap_base=32, fmap_max=8)
    loaded.load_state_dict({k: v.clone() for k, v in G.state_dict().items()})  # a checkpoint, read to the host
    with watching(*G.buffers(), *loaded.buffers()) as count:
        assert G.fade() == (2, 0.5)
        assert loaded.progress_value() == 1.5
    assert count.total(0) == 0, count.where.get(0)
    with watching(*G.buffers(), *copy.buffers()) as count:
        copy.progress.copy_(G.progress)  # the EMA copies buffers on the device
        assert copy.fade() == (2, 0.5) and copy.fade() == (2, 0.5)
    assert count.total(0) == 1, count.where.get(0)


@pytest.mark.parametrize("world", [1, 2])
def test_the_time_limit_is_shared_between_processes_at_log_steps_only(world, monkeypatch):
    import ganforge.training.loop as loop

    sent = []
    now = [0.0]
    monkeypatch.setattr(loop.time, "perf_counter", lambda: now[0])
    clock = loop.TimeLimit(10.0, 0.0, world=world, broadcast=lambda v, src: sent.append(v) or v)
    stops = []
    for step in range(12):
        now[0] = float(step * 3)  # past the limit from step 4 (12 s)
        stops.append(clock.out_of_time(log_now=(step + 1) % 4 == 0))
    if world == 1:  # one process: its own clock, every step, nothing sent
        assert stops.index(True) == 4 and sent == []
    else:  # rank 0's clock, sent at the log steps 3, 7, 11; the run stops at the first one past the limit
        assert sent == [False, True, True] and stops.index(True) == 7
    assert loop.TimeLimit(None, 0.0, world=world, broadcast=None).out_of_time(True) is False


def test_recipe_state_placed_from_the_host_is_read_and_written_without_a_sync():
    from types import SimpleNamespace

    from ganforge.training.context import StepContext

    ctx = SimpleNamespace(state={}, device=PRETEND, _host={})
    StepContext.place_state(ctx, {"images": torch.tensor(36), "pool": torch.zeros(2, 3)})  # a checkpoint's state
    with watching(*ctx.state.values()) as count:
        assert StepContext.state_value(ctx, "images") == 36
        StepContext.set_state(ctx, "images", 40)
        assert StepContext.state_value(ctx, "images") == 40
    assert count.total(0) == 0, count.where.get(0)
    assert int(ctx.state["images"]) == 40  # written into the tensor the checkpoint takes
