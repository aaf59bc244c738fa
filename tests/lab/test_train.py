"""Real (short) training runs on toy targets: the JSD falls, snapshots are exact, pictures are drawn."""

import json

import pytest
import torch

import ganforge
from ganforge.lab.draw import draw_run, pick_panels
from ganforge.lab.snapshots import load_run, load_snapshots, read_metrics, train_with_snapshots
from ganforge.training.checkpoint import latest_checkpoint, load_checkpoint

FAST = ["train.threads=1", "train.sample_every=100000", "train.ckpt_every=100000"]


def test_gaussian_1d_jsd_falls(tmp_path):
    res = ganforge.train("gan-modern", data="gaussian-1d", steps=600, out=tmp_path / "run", console=False,
                         set=FAST + ["train.log_every=50", "data.args.n=20000"])
    recs = read_metrics(tmp_path / "run")
    for key in ("jsd", "c_of_g", "d_star_gap", "d_real", "d_fake", "d_real_eval", "d_fake_eval",
                "modes_covered", "modes_total", "hq_share", "mode_kl"):
        assert key in recs[-1], key
    first, last = recs[0]["jsd"], min(r["jsd"] for r in recs[-3:])
    assert first > 0.3  # G starts far from N(4, 0.5)
    assert last < 0.4 * first, (first, last)
    assert abs(recs[-1]["c_of_g"] - (-1.3862943611198906 + 2 * recs[-1]["jsd"])) < 1e-9
    assert res["step"] == 600


def test_snapshot_legs_equal_one_run(tmp_path):
    sets = FAST + ["train.log_every=10", "data.args.n=5000", "train.batch_size=64"]
    ganforge.train("gan-modern", data="ring-2d", steps=30, out=tmp_path / "one", console=False, set=sets)
    train_with_snapshots("gan-modern", data="ring-2d", steps=30, out=tmp_path / "legs", at=[10, 20], sets=sets)
    a = load_checkpoint(latest_checkpoint(tmp_path / "one"))
    b = load_checkpoint(latest_checkpoint(tmp_path / "legs"))
    for net in ("G", "D"):
        for k in a[net]:
            assert torch.equal(a[net][k], b[net][k]), (net, k)
    cfg, meta, _ = load_run(tmp_path / "legs")
    snaps = load_snapshots(tmp_path / "legs", cfg, meta)
    assert [s.step for s in snaps] == [10, 20, 30]
    assert torch.equal(snaps[-1].G.state_dict()["out.weight"], b["G"]["out.weight"])


@pytest.mark.parametrize("data", ["gaussian-1d", "ring-2d"])
def test_lab_pictures(tmp_path, data):
    run = tmp_path / data
    sets = FAST + ["train.log_every=10", "data.args.n=5000", "train.batch_size=64"]
    train_with_snapshots("gan-modern", data=data, steps=40, out=run, at=[10, 20, 30], sets=sets)
    paths = draw_run(run)
    main = "figure1" if data.endswith("1d") else "field2d"
    for key in (main, main + "_gif", "curves", "summary"):
        path = paths[key]
        assert path.endswith((".png", ".gif", ".json"))
        with open(path, "rb") as f:
            head = f.read(8)
        assert head.startswith(b"\x89PNG") or head.startswith(b"GIF8") or head.startswith(b"{")
    summary = json.loads(open(paths["summary"]).read())
    assert summary["step"] == 40 and "jsd" in summary


def test_pick_panels():
    assert pick_panels([10, 20, 30]) == [10, 20, 30]
    chosen = pick_panels(list(range(250, 4001, 250)))
    assert len(chosen) == 4 and chosen[0] == 250 and chosen[-1] == 4000
