"""Training on one's own folder through the command line: class names recorded and accepted by
`sample --class NAME`, settings chosen from the data with --dry-run, non-square faces."""

import json

import numpy as np
from PIL import Image

import ganforge

from ..conftest import quick_sets
from ..tiny_run import cli, one_error_line

TINY_DCGAN = ["G.args.ngf=4", "D.args.ndf=4", "z_dim=4", "train.batch_size=4", "train.n_grid=4"]


def _labelled_folder(root):
    rng = np.random.default_rng(0)
    for c in ("dog", "cat"):
        (root / c).mkdir(parents=True)
        for i in range(4):
            Image.fromarray(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)).save(root / c / f"{i}.png")
    return root


def test_class_names_reach_the_run_and_sample(tmp_path):
    folder = _labelled_folder(tmp_path / "pets")
    run = tmp_path / "run"
    ganforge.train("dcgan", data=str(folder), steps=2, out=run, console=False,
                   set=TINY_DCGAN + quick_sets(**{"train.ckpt_every": 2}) + ["conditional=true"])
    assert json.loads((run / "run.json").read_text())["class_names"] == ["cat", "dog"]
    code, out, err = cli("sample", run, "--class", "dog", "--n", "3", "--out", tmp_path / "dog.npy")
    assert code == 0, err
    assert np.load(tmp_path / "dog.labels.npy").tolist() == [1, 1, 1]
    one_error_line(["sample", run, "--class", "bird", "--out", tmp_path / "b.png"], "unknown class 'bird'", "cat, dog")
    assert ganforge.load(run).sample(2, seed=0, y="cat").shape == (2, 3, 16, 16)


def test_no_recipe_dry_run_says_each_choice(tmp_path):
    folder = _labelled_folder(tmp_path / "pets")
    code, out, err = cli("train", "--data", folder, "--dry-run", "--set", "G.args.ngf=4", "--set", "D.args.ndf=4",
                         "--set", "train.threads=1")
    assert code == 0, err
    for key in ("recipe: dcgan —", "data.image_size: [16, 16] (H×W) —", "train.batch_size: 2 —", "data.mirror: true —",
                "classes: 2 from sub-folders: cat, dog — not used"):
        assert key in out, (key, out)


def test_faces_train_at_their_own_aspect_ratio(shared_data, tmp_path):
    run = tmp_path / "faces"
    code, out, err = cli("train", "dcgan", "--data", shared_data / "faces" / "att_faces", "--steps", "2", "--out", run,
                         *[a for s in TINY_DCGAN + quick_sets(**{"train.sample_every": 2, "train.ckpt_every": 2})
                           + ["data.fit=pad", "data.limit=40"] for a in ("--set", s)])
    assert code == 0, err
    assert "112×92 (H×W) → 112×96 by padding" in out
    grid = Image.open(run / "samples" / "step_000002.png")
    assert grid.size[0] < grid.size[1]  # 2×2 cells of 96 wide × 112 high
    assert ganforge.load(run).sample(2, seed=0).shape == (2, 1, 112, 96)
