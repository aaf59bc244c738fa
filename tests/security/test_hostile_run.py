"""A downloaded run directory is untrusted input: a crafted pickle under its data root, links
planted where ganforge writes, a data root elsewhere. Every command that reads a run
(`sample`, `eval`, `lab draw`, `train --resume`) refuses the hostile part; no code runs (no
marker file appears) and nothing is written or created outside the run."""

from __future__ import annotations

import io
import json
import os
import pickle

import numpy as np
import pytest
import yaml

from ganforge.data.safe_pickle import load_restricted
from ganforge.errors import GanforgeError

from ..tiny_run import cli, one_error_line, tiny_run


class _RunsCode:
    """Unpickling this would create the marker file."""

    def __init__(self, marker) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _crafted_cifar_root(root, marker):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        (folder / name).write_bytes(pickle.dumps({"data": _RunsCode(marker), "labels": [0]}, protocol=2))
    return root


def _edit(path, **changes):
    cfg = yaml.safe_load(path.read_text())
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        cfg[section][key] = value
    path.write_text(yaml.safe_dump(cfg))


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    return tiny_run(tmp_path_factory.mktemp("good") / "run")


@pytest.fixture
def hostile(tmp_path, good_run):
    """A copy of a good run whose config points at crafted CIFAR-10 pickles."""
    import shutil

    marker = tmp_path / "MARKER"
    run = tmp_path / "run"
    shutil.copytree(good_run, run)
    _edit(run / "config.yaml", data__name="cifar10", data__root=str(_crafted_cifar_root(tmp_path / "evil", marker)))
    return run, marker


def test_restricted_unpickler_refuses_code_and_reads_batches(tmp_path):
    marker = tmp_path / "MARKER"
    with pytest.raises(GanforgeError, match="refusing to load posix.system|refusing to load os.system"):
        load_restricted(io.BytesIO(pickle.dumps({"data": _RunsCode(marker)}, protocol=2)))
    assert not marker.exists()
    batch = {"data": np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072), "labels": [3, 7], "batch_label": "b",
             "filenames": ["a.png", "b.png"], "raw": b"\x00\x01"}
    for protocol in (2, 4, 5):
        back = load_restricted(io.BytesIO(pickle.dumps(batch, protocol=protocol)))
        assert np.array_equal(back["data"], batch["data"]) and back["labels"] == [3, 7] and back["raw"] == b"\x00\x01"


def test_cifar_loader_with_a_real_layout_still_works(tmp_path):
    from ganforge.config import DataConfig
    from ganforge.data import load_data

    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in ["test_batch"]:
        data = np.random.randint(0, 255, (4, 3072), dtype=np.uint8)
        (folder / name).write_bytes(pickle.dumps({"data": data, "labels": [0, 1, 2, 3]}, protocol=2))
    loaded = load_data(DataConfig(name="cifar10", root=str(tmp_path), split="test"))
    assert loaded.x.shape == (4, 3, 32, 32) and loaded.labels.tolist() == [0, 1, 2, 3]


def test_every_command_refuses_the_crafted_pickle(hostile):
    run, marker = hostile
    one_error_line(["eval", run, "--features", "identity", "--metrics", "fid", "--n", "20"], "refusing to load")
    one_error_line(["train", "--out", run, "--resume", "--steps", "6", "--set", "train.threads=1"], "refusing to load")
    code, _, _ = cli("sample", run, "--n", "4", "--out", run / "s.png")  # sample never reads the data
    assert code == 0
    meta = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps({**meta, "data_kind": "points"}))  # so lab draw would read the data
    one_error_line(["lab", "draw", run], "data_kind 'points' does not fit")
    (run / "run.json").write_text(json.dumps({**meta, "data_kind": "points", "data_shape": [192]}))
    one_error_line(["lab", "draw", run], "refusing to load")
    assert not marker.exists()


def test_a_data_root_from_a_run_is_never_created_or_downloaded_into(tmp_path, good_run):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(good_run, run)
    elsewhere = tmp_path / "elsewhere"
    _edit(run / "config.yaml", data__name="mnist", data__root=str(elsewhere))
    one_error_line(["eval", run, "--features", "identity", "--metrics", "fid", "--n", "20"], "--data-root",
                   "never downloads")
    one_error_line(["train", "--out", run, "--resume", "--steps", "6", "--set", "train.threads=1"], "--data-root")
    assert not elsewhere.exists()


@pytest.mark.parametrize("name", ["eval.jsonl", "metrics.jsonl", "config.yaml", "samples", "sample.png"])
def test_no_write_through_a_link_out_of_the_run(tmp_path, good_run, name):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(good_run, run)
    victim = tmp_path / "victim"
    if (run / name).is_dir():
        victim.mkdir()
        shutil.rmtree(run / name)
    else:  # a readable config keeps resume going up to its first write
        precious = (run / name).read_text() if name == "config.yaml" else "precious\n"
        victim.write_text(precious)
        (run / name).unlink(missing_ok=True)
    (run / name).symlink_to(victim)
    commands = {
        "eval.jsonl": ["eval", run, "--reference", "digits", "--features", "identity", "--metrics", "fid", "--n", "20"],
        "sample.png": ["sample", run, "--n", "4"],
    }
    args = commands.get(name, ["train", "--out", run, "--resume", "--steps", "6", "--set", "train.threads=1"])
    one_error_line(args, "refusing to write", name)
    if victim.is_dir():
        assert list(victim.iterdir()) == []
    else:
        assert victim.read_text() == precious


def test_lab_draw_refuses_a_planted_link(tmp_path):
    run = tmp_path / "lab"
    code, _, err = cli("lab", "run", "gaussian-1d", "--steps", "4", "--snapshot-every", "2", "--out", run,
                       "--threads", "1", "--set", "train.log_every=2")
    assert code == 0, err
    victim = tmp_path / "victim.png"
    (run / "lab" / "figure1.png").unlink()
    (run / "lab" / "figure1.png").symlink_to(victim)
    one_error_line(["lab", "draw", run, "--no-gif"], "refusing to write", "figure1.png")
    assert not victim.exists()


def test_an_upper_case_npy_suffix_gets_an_array(tmp_path):
    """``--out X.NPY`` with a code sweep used to write a PNG under the .NPY name (a case-sensitive
    suffix check); every suffix check is case-blind."""
    import ganforge
    from ganforge.config import deep_merge, to_sets
    from ganforge.registry import RECIPES

    from ..conftest import quick_sets

    over = deep_merge({"train": {"batch_size": 16}}, RECIPES.get("infogan").test_overrides)
    ganforge.train("infogan", out=tmp_path / "run", steps=2, set=to_sets(over) + quick_sets(**{"train.ckpt_every": 2}),
                   console=False)
    code, out, err = cli("sample", tmp_path / "run", "--sweep", "cont1", "--out", tmp_path / "X.NPY")
    assert code == 0, err
    arr = np.load(tmp_path / "X.NPY")
    assert arr.dtype == np.float32 and arr.ndim == 4


def test_advice_to_delete_only_for_a_damaged_checkpoint(tmp_path):
    """A run in a folder whose name is not UTF-8 used to read as "unreadable; delete it to fall back",
    and following that advice deleted every good checkpoint in turn: now it loads and resumes, and a
    failure to read (not a damaged file) never advises deleting."""
    import ganforge
    from ganforge.training.checkpoint import latest_checkpoint, load_checkpoint

    run = tmp_path / "run\udcff"  # the byte 0xFF in the folder's name
    tiny_run(run, steps=2)
    assert ganforge.load(run).sample(2).shape == (2, 1, 8, 8)
    assert ganforge.train("gan", data="digits", steps=4, out=run, resume=True, console=False)["step"] == 4
    ckpt = latest_checkpoint(run)
    (ckpt / "state.json").unlink()
    (ckpt / "state.json").mkdir()  # reading fails (IsADirectoryError), the content is not the problem
    with pytest.raises(GanforgeError) as err:
        load_checkpoint(ckpt)
    assert "may be intact" in str(err.value) and "delete it" not in str(err.value)
