"""A table of bad inputs through the whole CLI, in-process: each ends in exactly one
``error:`` line naming the problem, and exit code 2 — never a traceback. New commands and
options inherit the check by adding rows."""

from __future__ import annotations

import numpy as np
import pytest

from ..tiny_run import TINY, cli, one_error_line, tiny_run


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A trained tiny run and a folder of bad files."""
    root = tmp_path_factory.mktemp("fuzz")
    tiny_run(root / "run")
    (root / "latin1.yaml").write_bytes(b"train:\n  steps: 5  # caf\xe9\n")
    (root / "list.yaml").write_text("- 1\n- 2\n")
    (root / "a_file").write_text("not a folder")
    np.save(root / "nan.npy", np.full((20, 1, 8, 8), np.nan, np.float32))
    np.save(root / "empty.npy", np.zeros((0, 1, 8, 8), np.float32))
    np.save(root / "object.npy", np.array([{"a": 1}] * 4, dtype=object), allow_pickle=True)
    (root / "garbage.npy").write_bytes(b"\x93NUMPYgarbage")
    np.save(root / "points3.npy", np.random.rand(50, 3).astype(np.float32))
    np.save(root / "images.npy", np.random.rand(50, 1, 8, 8).astype(np.float32))
    np.save(root / "strings.npy", np.array(["a", "b"]))
    np.save(root / "complex.npy", (np.random.rand(20, 1, 8, 8) + 1j).astype(np.complex64))
    (root / "pictures").mkdir()
    (root / "taken.onnx").write_text("")
    return root


def _train(out: str, *sets: str) -> list[str]:
    args = ["train", "gan", "--data", "digits", "--steps", "2", "--out", out, "--set", "train.threads=1"]
    return args + [a for s in sets for a in ("--set", s)]


EVAL = ["eval", "--reference", "digits", "--features", "identity"]

# (id, arguments with {w} for the work folder, fragments the one error line must hold)
CASES = [
    ("set-unclosed-yaml", _train("{w}/o", "opt_D.lr=[1,"), ["not valid YAML"]),
    ("set-yaml-python-tag", _train("{w}/o", "opt_D.lr=!!python/object/apply:os.system [echo]"), ["not valid YAML"]),
    ("set-no-equals", _train("{w}/o", "opt_D.lr"), ["expected KEY=VALUE"]),
    ("set-section-scalar", _train("{w}/o", "train=5"), ["train is a section", "train.KEY=VALUE"]),
    ("set-list-element-type", _train("{w}/o", "opt_D.betas=[a,b]"), ["opt.D.betas[0]", "must be a number"]),
    ("set-unknown-key", _train("{w}/o", "train.stepz=3"), ["did you mean"]),
    ("z-dim-0", _train("{w}/o", "z_dim=0"), ["z_dim", "≥ 1"]),
    ("n-grid-0", _train("{w}/o", "train.n_grid=0"), ["n_grid", "≥ 1"]),
    ("image-size-0", _train("{w}/o", "data.image_size=0"), ["image_size", "≥ 1"]),
    ("keep-checkpoints-0", _train("{w}/o", "train.keep_checkpoints=0"), ["keep_checkpoints"]),
    ("precision-unknown", _train("{w}/o", "train.precision=fp8"), ["precision"]),
    ("stop-when-unknown", _train("{w}/o", "train.stop_when=soon"), ["train.stop_when", "plateau:N"]),
    ("stop-when-without-eval", _train("{w}/o", "train.stop_when=plateau:3", "train.eval_every=0"), ["eval_every=0"]),
    ("eval-every-negative", _train("{w}/o", "train.eval_every=-5"), ["train.eval_every", "auto"]),
    ("eval-every-toy", ["train", "gan", "--data", "ring-2d", "--steps", "2", "--out", "{w}/o", "--set",
                        "train.eval_every=1"], ["no shipped feature network", "eval_every=0"]),
    ("eval-samples-small", _train("{w}/o", "train.eval_samples=3"), ["eval_samples", "≥ 16"]),
    ("checkpoint-best-missing", ["sample", "{w}/run", "--checkpoint", "best"], ["checkpoints/best", "eval_every"]),
    ("config-not-utf8", ["train", "gan", "--config", "{w}/latin1.yaml", "--out", "{w}/o"], ["not UTF-8"]),
    ("config-not-mapping", ["train", "gan", "--config", "{w}/list.yaml", "--out", "{w}/o"], ["mapping"]),
    ("config-missing", ["train", "gan", "--config", "{w}/nope.yaml", "--out", "{w}/o"], ["does not exist"]),
    ("out-under-a-file", _train("{w}/a_file/run"), ["cannot write the run directory", "writable --out"]),
    ("out-is-a-run", _train("{w}/run"), ["already exists", "--resume"]),
    ("resume-not-a-run", ["train", "--out", "{w}/nope", "--resume"], ["not a ganforge run directory"]),
    ("steps-0", ["train", "gan", "--steps", "0"], ["--steps", "--help"]),
    ("precision-choice", ["train", "gan", "--precision", "fp8"], ["--precision", "--help"]),
    ("unknown-recipe", ["train", "nogan", "--out", "{w}/o"], ["nogan"]),
    ("no-recipe-named-data", ["train", "--data", "digits", "--out", "{w}/o"], ["with no recipe", "folder"]),
    ("no-recipe-empty-folder", ["train", "--data", "{w}/pictures", "--out", "{w}/o"], ["no image files"]),
    ("data-fit-unknown", _train("{w}/o", "data.fit=squash"), ["data.fit", "crop, pad, stretch"]),
    ("data-labels-not-a-folder", _train("{w}/o", "data.labels={w}/nope.csv"), ["data.labels", "folder"]),
    ("unknown-option", ["train", "gan", "--stepz", "3"], ["--stepz"]),
    ("unknown-command", ["trian"], ["trian"]),
    ("sample-missing-run", ["sample"], ["RUN_DIR"]),
    ("sample-n-0", ["sample", "{w}/run", "--n", "0"], ["--n"]),
    ("sample-not-a-run", ["sample", "{w}"], ["not a ganforge run directory"]),
    ("sample-bad-suffix", ["sample", "{w}/run", "--out", "{w}/x.jpg"], [".png", ".npy"]),
    ("sample-png-huge", ["sample", "{w}/run", "--n", "100000000", "--out", "{w}/x.png"], ["at most", ".npy"]),
    ("sample-npy-huge", ["sample", "{w}/run", "--n", "1000000000000", "--out", "{w}/x.npy"], ["GB", "lower --n"]),
    ("sample-class-unconditional", ["sample", "{w}/run", "--class", "3"], ["not conditional"]),
    ("sample-seed-huge", ["sample", "{w}/run", "--seed", str(2**70)], ["--seed", "0<=x<="]),
    ("train-seed-huge", _train("{w}/o") + ["--seed", "99999999999999999999999"], ["--seed", "0<=x<="]),
    ("set-seed-huge", _train("{w}/o", f"train.seed={2**64}"), ["train.seed", "≤"]),
    ("sample-out-upper-jpg", ["sample", "{w}/run", "--out", "{w}/x.JPG"], [".png", ".npy"]),
    ("sample-class-fractional", ["sample", "{w}/run", "--class", "1.5"], ["--class", "1.5"]),
    ("sample-truncation-negative", ["sample", "{w}/run", "--truncation", "-1"], ["truncation"]),
    ("sample-code-format", ["sample", "{w}/run", "--code", "cat"], ["NAME=VALUE"]),
    ("eval-nan", EVAL + ["--images", "{w}/nan.npy", "--n", "20"], ["NaN"]),
    ("eval-empty", EVAL + ["--images", "{w}/empty.npy"], ["no samples"]),
    ("eval-object", EVAL + ["--images", "{w}/object.npy"], ["not a readable NumPy array"]),
    ("eval-garbage", EVAL + ["--images", "{w}/garbage.npy"], ["not a readable NumPy array"]),
    ("eval-strings", EVAL + ["--images", "{w}/strings.npy"], ["must hold numbers"]),
    ("eval-feature-dims", ["eval", "--images", "{w}/points3.npy", "--reference", "ring-2d", "--metrics", "fid",
                           "--n", "50"], ["3 dimensions", "2"]),
    ("eval-n-below-k", EVAL + ["--images", "{w}/images.npy", "--metrics", "pr,dc", "--n", "4"], ["k = ", "raise --n"]),
    ("eval-n-1", EVAL + ["--images", "{w}/images.npy", "--n", "1"], ["--n"]),
    ("eval-unknown-metric", EVAL + ["--images", "{w}/images.npy", "--metrics", "fidd"], ["fidd"]),
    ("eval-nothing", ["eval"], ["RUN_DIR or --images"]),
    ("bench-steps-0", ["bench", "--steps", "0"], ["--steps"]),
    ("lab-run-image-data", ["lab", "run", "digits", "--steps", "2", "--out", "{w}/lab"], ["toy targets"]),
    ("lab-run-existing", ["lab", "run", "gaussian-1d", "--steps", "2", "--out", "{w}/run"], ["lab draw"]),
    ("lab-run-panels", ["lab", "run", "gaussian-1d", "--panels", "a,b"], ["--panels"]),
    ("lab-draw-image-run", ["lab", "draw", "{w}/run"], ["toy (points) data"]),
    ("lab-draw-missing", ["lab", "draw", "{w}/nope"], ["does not exist"]),
    ("report-not-a-run", ["report", "{w}"], ["not a ganforge run directory"]),
    ("report-a-file", ["report", "{w}/a_file"], ["not a directory"]),
    ("watch-not-a-run", ["watch", "{w}/nope", "--port", "0"], ["not a directory"]),
    ("watch-port-range", ["watch", "{w}/run", "--port", "70000"], ["--port", "--help"]),
    ("port-without-live", ["train", "gan", "--port", "9000", "--out", "{w}/o"], ["--port", "--live"]),
    ("data-b-one-domain", _train("{w}/o") + ["--data-b", "digits"], ["one dataset", "two-domain"]),
    ("translate-one-domain-run", ["translate", "{w}/run", "--input", "{w}/images.npy", "--out", "{w}/t.npy"],
     ["one domain", "cyclegan"]),
    ("translate-direction", ["translate", "{w}/run", "--input", "{w}/images.npy", "--direction", "up", "--out",
                             "{w}/t.npy"], ["--direction", "--help"]),
    ("translate-out-is-input", ["translate", "{w}/run", "--input", "{w}/pictures", "--out", "{w}/pictures"],
     ["--out", "is the input", "outside it"]),
    ("translate-out-inside-input", ["translate", "{w}/run", "--input", "{w}/pictures", "--out",
                                    "{w}/pictures/done"], ["--out", "inside"]),
    ("eval-complex", EVAL + ["--images", "{w}/complex.npy"], ["complex"]),
    ("translate-no-input", ["translate", "{w}/run", "--out", "{w}/t.npy"], ["--input"]),
    ("export-unknown-format", ["export", "{w}/run", "--format", "tflite", "--out", "{w}/g.tflite"],
     ["unknown export format", "onnx, torchscript"]),
    ("export-out-exists", ["export", "{w}/run", "--out", "{w}/taken.onnx"], ["exists", "never overwrites"]),
    ("export-not-a-run", ["export", "{w}", "--out", "{w}/g.pt"], ["not a ganforge run directory"]),
    ("export-no-out", ["export", "{w}/run"], ["--out"]),
    ("export-suffix", ["export", "{w}/run", "--out", "{w}/g.bin"], [".onnx or .pt"]),
]


@pytest.mark.parametrize("args, fragments", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_line(work, args, fragments):
    line = one_error_line([a.replace("{w}", str(work)) for a in args], *fragments)
    assert "Traceback" not in line


def test_lab_run_never_advises_train_only_flags(work):
    """`lab run` shares the trainer's messages; the flags it lacks are replaced by --set."""
    points = work / "few.csv"
    points.write_text("x,y\n" + "\n".join(f"{i},{i * 2}" for i in range(5)))
    line = one_error_line(["lab", "run", str(points), "--steps", "2", "--out", work / "few"], "batch")
    for flag in ("--batch-size", "--resume", "--precision", "--data-root", "--device "):
        assert flag not in line


def test_usage_still_works(work):
    code, out, _ = cli("--help")
    assert code == 0 and "train" in out
    code, out, _ = cli("sample", "--help")
    assert code == 0 and "--n" in out
    assert TINY  # the run behind these cases trained with the tiny networks
