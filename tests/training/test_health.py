"""The health detector's rules on made-up evaluation rows, and the evaluation hook in tiny runs on
digits: rows in metrics.jsonl, checkpoints/best kept through rotation and loadable, stop_when, and
an exact resume (docs/health.md)."""

import json

import pytest
import torch

import ganforge
from ganforge.errors import GanforgeError
from ganforge.metrics import in_training
from ganforge.training.checkpoint import list_checkpoints, load_checkpoint
from ganforge.training.health import HealthTracker, diagnose, parse_stop_when, stop_reason

from ..conftest import quick_sets
from ..tiny_run import TINY, cli

GOOD = {"finite": True, "fid": 20.0, "precision": 0.7, "recall": 0.6, "spread": 0.9, "pixel_spread": 0.95,
        "confident_share": 0.8,
        "classes_covered": 10,
        "classes_covered_ref": 10, "memorised": 0.05, "memorised_ref": 0.06, "d_overfit_gap": 0.1,
        "r_t_train": 0.3, "r_t_heldout": 0.25}


def rows(*changes, start_fid=40.0):
    """Evaluation rows 1000 steps apart: a healthy run improving from start_fid, then ``changes``
    applied to the last ones (one dict per row, from the end)."""
    out = [dict(GOOD, step=1000 * (i + 1), fid=start_fid - 5 * i) for i in range(4)]
    for i, change in enumerate(reversed(changes)):
        out[-1 - i].update(change)
    return out


def test_a_healthy_run_is_healthy():
    assert diagnose(rows()) == "healthy"
    assert diagnose(rows(dict(fid=25.5))) == "healthy"  # a noisy reading is no plateau


@pytest.mark.parametrize("changes, state", [
    ([dict(finite=False, fid=None)], "diverging"),
    ([dict(fid=80.0), dict(fid=90.0)], "diverging"),  # twice over 2× the best FID (30)
    ([dict(pixel_spread=1e-6, fid=2700.0)], "diverging"),  # one saturated image
    ([dict(spread=0.2, precision=0.0)], "mode_collapse"),  # spread had been 0.9
    ([dict(pixel_spread=0.2), dict(pixel_spread=0.1)], "mode_collapse"),  # two evaluations in a row
    ([dict(recall=0.02, precision=0.8)], "mode_collapse"),  # recall had been 0.6
    ([dict(memorised=0.4, memorised_ref=0.05)], "memorising"),
    ([dict(d_overfit_gap=0.8, r_t_train=0.9, r_t_heldout=-0.2)], "d_overfit"),
    ([dict(fid=200.0, precision=0.1)] * 4, "stalled"),
])
def test_each_state_fires(changes, state):
    assert diagnose(rows(*changes)) == state


def test_rules_that_must_not_fire():
    assert diagnose(rows(dict(fid=80.0))) == "healthy"  # one high reading is not a divergence
    assert diagnose(rows(dict(classes_covered=2, confident_share=0.7))) == "healthy"  # the classifier alone decides nothing
    assert diagnose(rows(dict(pixel_spread=0.05))) == "healthy"  # once: G may not have moved from its start yet
    assert diagnose(rows(*[dict(pixel_spread=0.05, d_separation=0.1)] * 2)) == "healthy"  # D at chance
    assert diagnose(rows(*[dict(pixel_spread=0.05, d_separation=3.0)] * 2)) == "mode_collapse"
    early = [dict(GOOD, step=200, fid=500.0, precision=0.2, recall=0.0, spread=0.3, pixel_spread=0.6, confident_share=0.9,
                  classes_covered=1), dict(GOOD, step=400, fid=170.0, precision=0.65, recall=0.07, spread=0.5)]
    assert diagnose(early[:1]) == diagnose(early) == "healthy"  # blobs, then variety: still learning
    # never spread out (stylegan's γ = 10 MNIST preset): like data, recall near 0, 3 of 10 classes, twice
    start = dict(GOOD, step=200, fid=360.0, precision=0.4, recall=0.006, spread=0.6, classes_covered=2)
    narrow = dict(GOOD, fid=230.0, precision=0.6, recall=0.01, classes_covered=3)
    assert diagnose([start, dict(narrow, step=400)]) == "mode_collapse"
    assert diagnose([dict(start, precision=0.2), dict(narrow, step=400)]) == "healthy"  # once: early blobs
    assert diagnose([dict(start, classes_covered=4), dict(narrow, step=400, classes_covered=4)]) == "healthy"
    assert diagnose([dict(start, precision=0.3), dict(narrow, step=400)]) == "healthy"  # unlike data: learning
    # a conditional G drawing about one image per class (sagan's Fashion-MNIST preset with spectral norm on G's z
    # layer: class_spread 0.42), while the overall spread and the classes look fine (recall is left as it was, so
    # that only this rule can fire)
    one_per_class = dict(class_spread=0.42, class_spread_min=0.2, class_spread_worst=6, precision=0.75)
    assert diagnose(rows(*[one_per_class] * 2)) == "mode_collapse"
    assert diagnose(rows(one_per_class)) == "healthy"  # once is not enough
    assert diagnose(rows(*[dict(one_per_class, precision=0.3)] * 2)) == "healthy"  # unlike data: still learning
    # biggan with one D step: precision 0.53, then 0.46 while each class was one drawing (spread 0.51, 0.41)
    assert diagnose(rows(dict(one_per_class, precision=0.53, class_spread=0.51),
                         dict(one_per_class, precision=0.46, class_spread=0.41))) == "mode_collapse"
    # fewer styles than the data but not one per class (sagan's MNIST preset: 0.82, recall 0.31): healthy
    assert diagnose(rows(*[dict(one_per_class, class_spread=0.82)] * 2)) == "healthy"
    assert diagnose(rows(dict(memorised=0.3, memorised_ref=0.2))) == "healthy"  # as many as held-out reals
    assert diagnose(rows(dict(d_overfit_gap=0.3, r_t_train=1.0, r_t_heldout=0.5))) == "healthy"  # a little apart
    assert diagnose(rows(*[dict(fid=200.0, precision=0.9)] * 4)) == "healthy"  # converged, not stalled
    assert diagnose([dict(step=10)]) == "healthy"  # no numbers, no verdict
    assert diagnose([dict(step=10, fid=float("nan"))]) == "diverging"


def test_tracker_best_advice_and_stop_rules():
    tracker = HealthTracker()
    for row in rows(*[dict(pixel_spread=0.2)] * 2, dict(pixel_spread=0.1, classes_covered=2)):
        tracker.add(row)
    assert (tracker.best, tracker.best_step) == (25.0, 4000)
    assert tracker.last_state == "mode_collapse" and tracker.unhealthy_streak == 2
    advice = tracker.rows[-1]["advice"]
    assert "nearly alike" in advice and "2 of 10 classes" in advice and "step 4,000" in advice
    assert "checkpoints/best" in advice
    assert stop_reason(tracker, parse_stop_when("unhealthy:2")).startswith("stop_when unhealthy:2")
    assert stop_reason(tracker, parse_stop_when("unhealthy:3")) is None
    tracker.add(dict(GOOD, step=5000, fid=26.0))
    assert tracker.since_best == 1 and stop_reason(tracker, parse_stop_when("plateau:1"))
    conditional = HealthTracker()
    for row in rows(*[dict(class_spread=0.4, class_spread_min=0.2, class_spread_worst=6)] * 2):
        conditional.add(row)
    assert conditional.last_state == "mode_collapse"
    assert "one image per class" in conditional.rows[-1]["advice"] and "ignore z" in conditional.rows[-1]["advice"]
    assert "class 6 the lowest at 0.20" in \
        conditional.rows[-1]["advice"]
    copy = HealthTracker()
    copy.load_state_dict(json.loads(json.dumps(tracker.state_dict())))
    assert copy.state_dict() == tracker.state_dict()
    for bad in ("soon", "plateau", "plateau:0", "unhealthy:x"):
        with pytest.raises(GanforgeError, match="plateau:N"):
            parse_stop_when(bad)


def _train(out, steps, *sets, resume=False):
    base = quick_sets(**{"train.eval_every": 10, "train.eval_samples": 100, "train.ckpt_every": 10,
                         "train.keep_checkpoints": 1})
    return ganforge.train(None if resume else "gan", data=None if resume else "digits", steps=steps, out=out,
                          set=([] if resume else TINY) + base + list(sets), console=False, resume=resume)


def _evaluations(run):
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return [r for r in records if "health" in r]


def test_best_checkpoint_kept_and_loadable(tmp_path):
    run = tmp_path / "run"
    _train(run, 30)
    evals = _evaluations(run)
    assert [r["step"] for r in evals] == [10, 20, 30]
    assert all(r["health"] in ("healthy", "mode_collapse", "d_overfit", "memorising", "diverging", "stalled")
               and isinstance(r["advice"], str) and "fid" in r and "precision" in r for r in evals)
    best_step = evals[-1]["best_step"]
    assert [p.name for p in list_checkpoints(run / "checkpoints")] == ["step_0000030"]  # rotation kept one ...
    best = load_checkpoint(run / "checkpoints" / "best")  # ... and never touched best
    assert best["step"] == best_step and best["health"]["tracker"]["best_step"] == best_step
    G = ganforge.load(run, checkpoint="best")
    assert G.step == best_step
    assert torch.equal(G.sample(4, seed=1), ganforge.load(run / "checkpoints" / "best").sample(4, seed=1))
    code, out, _ = cli("sample", run, "--checkpoint", "best", "--n", 4, "--out", tmp_path / "best.png")
    assert code == 0 and f"step {best_step}" in out
    code, _, _ = cli("eval", run / "checkpoints" / "best", "--metrics", "fid", "--features", "identity", "--n", 50,
                     "--threads", 1)
    card = json.loads((run / "eval.jsonl").read_text().splitlines()[-1])
    assert code == 0 and card["generated"]["step"] == best_step and card["generated"]["checkpoint"] == "best"


def test_stop_when_and_exact_resume(tmp_path, monkeypatch):
    whole, part = tmp_path / "whole", tmp_path / "part"
    _train(whole, 40)
    _train(part, 20)
    _train(part, 40, resume=True)
    a, b = load_checkpoint(whole / "checkpoints" / "step_0000040"), load_checkpoint(part / "checkpoints" / "step_0000040")
    for key, value in a["G"].items():
        assert torch.equal(value, b["G"][key])
    pick = ("step", "fid", "precision", "recall", "health", "best_step")
    assert [{k: r.get(k) for k in pick} for r in a["health"]["tracker"]["rows"]] == \
           [{k: r.get(k) for k in pick} for r in b["health"]["tracker"]["rows"]]

    fids = iter([10.0, 12.0, 13.0, 14.0, 15.0])  # no better FID after the first evaluation
    monkeypatch.setattr(in_training.Evaluator, "__init__", lambda self, run, n: None)
    monkeypatch.setattr(in_training.Evaluator, "measure", lambda self, step: {"finite": True, "fid": next(fids)})
    summary = _train(tmp_path / "stopped", 100, "train.stop_when=plateau:2")
    assert summary["step"] == 30
    assert (tmp_path / "stopped" / "checkpoints" / "step_0000030").is_dir()


def test_loading_a_feature_network_moves_no_random_stream():
    """The in-training evaluation builds its feature network once per process; the layers' default
    initialisation must not draw from the run's global stream (dropout, style mixing), or a run's
    steps after its first evaluation depend on what the process ran before."""
    from ganforge.metrics.classifier import load_classifier
    from ganforge.metrics.features import get_feature_net

    load_classifier.cache_clear()
    torch.manual_seed(0)
    before = torch.get_rng_state()
    get_feature_net("digits-cnn")
    assert torch.equal(before, torch.get_rng_state())


def test_in_training_evaluation_reads_a_centred_run_cut_back(tmp_path, monkeypatch):
    """data.fit=centre: the in-training evaluation reads the held-out, training and generated images cut back to
    the native size, as `ganforge eval` does, so its FID is the one the run's final evaluation reports."""
    seen = []
    cut = in_training.read_native
    monkeypatch.setattr(in_training, "read_native", lambda x, native, size: seen.append((tuple(x.shape[2:]),
                                                                                         tuple(native)))
                        or cut(x, native, size))
    run = tmp_path / "run"
    _train(run, 10, "data.image_size=[12,12]", "data.fit=centre")
    assert len(seen) == 3 and set(seen) == {((12, 12), (8, 8))}  # held-out reals, training reals, one evaluation
    assert _evaluations(run)[-1]["fid"] >= 0


def test_a_conditional_runs_evaluation_measures_the_spread_within_each_class(tmp_path):
    """A conditional run's evaluation rows carry class_spread (mean over classes), its lowest class and that
    value; an unconditional run's do not (its samples ask for no class)."""
    run = tmp_path / "cgan"
    sets = ["z_dim=8", "G.args.z_hidden=16", "G.args.y_hidden=16", "G.args.joint_hidden=32", "D.args.x_units=16",
            "D.args.y_units=8", "D.args.joint_units=16"]
    ganforge.train("cgan", data="digits", steps=10, out=run, console=False,
                   set=sets + quick_sets(**{"train.eval_every": 10, "train.eval_samples": 100}))
    row = _evaluations(run)[-1]
    assert row["class_spread"] >= 0 and row["class_spread_min"] <= row["class_spread"]
    assert row["class_spread_worst"] in range(10)
    plain = tmp_path / "gan"
    _train(plain, 10)
    assert "class_spread" not in _evaluations(plain)[-1]
