"""Evaluation while training: the numbers the health detector (training/health.py) reads, measured
on the run's own networks at an evaluation step (``train.eval_every``) with this package's metrics.
``ganforge.train`` hands this module to the trainer (training/health_hook.py), which cannot import
it (the trainer sits below the metrics: tests/test_layers.py).

Against a held-out real split (the test split of mnist, fashion-mnist and cifar10; digits has
none, so its training images stand in and the held-out comparisons are left out): FID, KID and
precision/recall on ``train.eval_samples`` samples in the shipped domain classifier's features
(cifar10-cnn for CIFAR-10 even where Inception is installed: Inception costs seconds per hundred
images on a CPU), the samples' spread in those features and in pixels against held-out reals'
(sqrt of the ratio of the covariance traces), the classifier's class histogram of the samples it reads with
p ≥ 0.9, the share of near-copies of
training images (``metrics.memorisation``), and D's overfitting signal: ADA's r_t = E[sign D(x)]
on training reals beside the same on held-out reals, and the gap between them relative to fakes.
The held-out features are computed once per run (and cached on disk, metrics/cache.py).

Nothing here moves the training's random streams: samples come from their own seed inside
``seeded_global_rng``; G samples in eval mode, D scores as in training, and both are put back as they were.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time

import numpy as np
import torch

from ..data.base import no_downloads
from ..data.fit import centred_from, read_native
from ..errors import GanforgeError
from ..training.latent import seeded_global_rng
from .classifier import SHIPPED
from .conditional import class_spread_from_features, confident_classes, flat_images, typical_pixel_std
from .fid import fid_from_features
from .kid import kid_from_features
from .memorisation import memorisation
from .prdc import prdc_from_features

EVAL_SEED = 104729  # the evaluation's samples: the same noise at every evaluation of a run
MEMO_TRAIN_MAX = 10_000  # training images memorisation compares with (the first ones); see docs/health.md
D_REALS = 500  # training and held-out reals D scores for r_t (standard error of r_t ≤ 0.045)
KID_SUBSETS = 10  # 10 subsets of ≤ 1,000 (eval's default 100 costs 2 s per evaluation on one core)
COVERED_SHARE = 0.2  # a class is covered when it holds ≥ this × 1/K of the confidently read samples


def feature_name(dataset: str) -> str | None:
    """The shipped classifier that measures ``dataset`` in training, or None (no evaluation)."""
    return f"{dataset}-cnn" if dataset in SHIPPED else None


def unavailable(run) -> str | None:
    """Why the run cannot be evaluated while it trains, or None: it needs images of a dataset with a
    shipped classifier, drawn from noise by one generator (not a two-domain translation)."""
    if run.data.kind != "image" or feature_name(run.data.name) is None:
        return f"{run.data.name!r} has no shipped feature network (digits, mnist, fashion-mnist and cifar10 do)"
    if run.recipe.domains or len(run.sources) != 1:
        return f"recipe {run.cfg.recipe!r} translates images rather than drawing them from noise"
    return None


@contextlib.contextmanager
def _as_in_training(net):
    """D scores as it does in training (batch norm on the batch's statistics, as ADA reads r_t from
    training outputs; in eval mode a batch-norm D's running statistics, gathered over mixed real and
    fake passes, can flip every verdict), with its buffers put back after: the run is unchanged."""
    saved = {name: b.clone() for name, b in net.named_buffers()}
    was = net.training
    net.train()
    try:
        yield
    finally:
        net.train(was)
        with torch.no_grad():
            for name, b in net.named_buffers():
                b.copy_(saved[name])


@contextlib.contextmanager
def _eval_mode(*nets):
    was = [net.training for net in nets]
    for net in nets:
        net.eval()
    try:
        yield
    finally:
        for net, mode in zip(nets, was):
            net.train(mode)


class Evaluator:
    """Measures a run at a step; built once per run (held-out and training features computed then)."""

    def __init__(self, run, n_samples: int) -> None:
        from .cache import reference_features
        from .features import get_feature_net

        self.run, self.n = run, n_samples
        self.net = get_feature_net(feature_name(run.data.name))
        cfg = run.cfg
        # a run that centred its data without scaling (data.fit=centre) is read cut back to the native size
        self.read_back = centred_from(cfg.data.fit, run.data.info.get("native_size"), cfg.data.image_size)
        train_x = run.data.x.cpu()
        self.train_labels = run.data.labels
        held = self._held_out(cfg)
        self.held_x = held.x[: self.n] if held is not None else train_x[: self.n]
        self.held_labels = (held.labels if held is not None else run.data.labels)
        self.has_held_out = held is not None
        split = held.info.get("split", "test") if held is not None else cfg.data.split
        ref, _ = reference_features(self._as_read(self.held_x), {"dataset": run.data.name, "split": split,
                                                  "selection": f"[0:{len(self.held_x)}]"}, self.net)
        self.ref_feats = ref["features"].numpy()
        self.ref_pixel_var = float((self.held_x.float() / 255).flatten(1).var(0).sum())
        self.ref_pixel_std = typical_pixel_std(self.held_x)  # blank samples count as read by no class
        probs = ref.get("probs")
        # classes the held-out reals cover: fixed for the run, read beside each evaluation's
        self.ref_classes = None if probs is None else _covered(confident_classes(probs)[1])
        m = min(len(train_x), MEMO_TRAIN_MAX)
        tr, _ = reference_features(self._as_read(train_x[:m]), {"dataset": run.data.name, "split": cfg.data.split,
                                                 "selection": f"[0:{m}] (limit {cfg.data.limit})"}, self.net)
        self.train_feats = tr["features"]

    def _as_read(self, x: torch.Tensor) -> torch.Tensor:
        return read_native(x, self.read_back, self.run.cfg.data.image_size)

    def _held_out(self, cfg):
        """The dataset's other split (test for a run on train), or None where there is none."""
        from ..data import load_data

        base = cfg.data.split.split("[")[0]
        other = "test" if base == "train" else "train"
        try:
            with no_downloads():
                held = load_data(dataclasses.replace(cfg.data, split=other, limit=None))
        except GanforgeError:
            return None
        return held if held.info.get("split") == other else None  # digits has one set, whatever the split

    @torch.no_grad()
    def measure(self, step: int) -> dict:
        """One evaluation row (numbers, or ``finite: False`` when G's samples hold NaN/inf)."""
        from ..runs.generator import TrainedGenerator

        t0 = time.perf_counter()
        run = self.run
        G = TrainedGenerator(run.sampling_net, run.cfg, {"data_kind": "image", **run.describe()}, run.latent)
        with _eval_mode(run.sampling_net):
            try:
                x, labels = G.sample(self.n, seed=EVAL_SEED, return_labels=True)
            except GanforgeError:  # NaN/inf samples
                return {"finite": False, "eval_seconds": round(time.perf_counter() - t0, 3)}
        out = self.net.extract(self._as_read(x))
        feats = out["features"].numpy()
        row: dict = {"finite": True}
        row["fid"] = fid_from_features(feats, self.ref_feats, splits=0).value
        row["kid"] = kid_from_features(feats, self.ref_feats, subsets=KID_SUBSETS).value
        prdc = prdc_from_features(feats, self.ref_feats)
        row["precision"], row["recall"] = prdc["precision"].value, prdc["recall"].value
        row["spread"] = float(np.sqrt(feats.var(0).sum() / self.ref_feats.var(0).sum()))
        row["pixel_spread"] = float((x.flatten(1).var(0).sum() / self.ref_pixel_var).sqrt())
        probs = out.get("probs")
        if probs is not None and self.ref_classes is not None:
            row["confident_share"], hist = confident_classes(probs, unread=flat_images(x, self.ref_pixel_std))
            row["class_hist"] = [round(float(h), 4) for h in hist]
            row["classes_covered"] = _covered(hist)
            row["classes_covered_ref"] = self.ref_classes
        if labels is not None and self.held_labels is not None:  # a conditional G: variety inside each class
            within = class_spread_from_features(feats, labels.cpu(), self.ref_feats, self.held_labels[: len(self.held_x)])
            row.update({k: v for k, v in within.items() if k != "per_class"})
        held = torch.from_numpy(self.ref_feats[:D_REALS]) if self.has_held_out else None
        memo = memorisation(torch.from_numpy(feats), self.train_feats, held_out=held, space="features")
        row["memorised"] = memo.value
        row["memorised_ref"] = memo.params.get("reference_value")
        row.update(self._d_signal(x[:D_REALS], None if labels is None else labels[:D_REALS]))
        row["eval_seconds"] = round(time.perf_counter() - t0, 3)
        return row

    def _d_signal(self, fake01: torch.Tensor, fake_labels) -> dict:
        """ADA's r_t on training and held-out reals, and the overfitting gap: how far D's mean score
        of held-out reals has moved from that of training reals towards that of fakes (0: D treats
        them alike; 1: held-out reals look as fake as G's samples; None while D's scores of training
        reals and fakes are less than one standard deviation apart). A shift of all D's scores
        (a gradient spike) flips r_t but leaves the gap as it was."""
        run = self.run
        D = run.raw.get("D")
        if D is None or tuple(fake01.shape[1:]) != tuple(run.data.shape):  # a growing run below full size
            return {}
        out_range = getattr(run.sampling_net, "out_range", None)
        lo, hi = out_range or (0.0, 1.0)
        threshold = run.ctx.loss.realness_threshold  # None: a lone score is no verdict (energies, critics)

        # D scores minibatches of the size it trains on: a D with batch statistics (minibatch stddev, batch
        # norm) gives a lone example, or a batch its groups do not divide, a score it never gives in training
        chunk = max(run.cfg.train.batch_size // run.cfg.train.world_size, 1)

        def scores(x01: torch.Tensor, y) -> torch.Tensor:
            keep = len(x01) // chunk * chunk or len(x01)
            out = []
            for i in range(0, keep, chunk):
                x = (x01[i:i + chunk].float() * (hi - lo) + lo).to(run.device)
                args = (x, y[i:i + chunk].to(run.device)) if run.cfg.conditional and y is not None else (x,)
                s = D(*args)
                out.append((s[0] if isinstance(s, tuple) else s).float().reshape(len(x), -1).mean(1).cpu())
            return torch.cat(out)

        n = min(D_REALS, len(run.data))
        with _as_in_training(D), seeded_global_rng(EVAL_SEED, run.device):
            train = scores(run.data.x[:n].cpu().float() / 255, _first(self.train_labels, n))
            fake = scores(fake01, fake_labels)
            out = {"d_score_train": float(train.mean()), "d_score_fake": float(fake.mean())}
            pooled = float(((train.var() + fake.var()) / 2).sqrt())
            # how far apart D holds training reals and fakes, in standard deviations of its scores (either
            # way round: an energy scores reals lower)
            out["d_separation"] = abs(float(train.mean() - fake.mean())) / pooled if pooled > 0 else None
            if threshold is not None:  # ADA's r_t = E[sign(D(x) − threshold)]
                out["r_t_train"] = float(torch.sign(train - threshold).mean())
            if not self.has_held_out:
                return out
            m = min(D_REALS, len(self.held_x))
            held = scores(self.held_x[:m].float() / 255, _first(self.held_labels, m))
        out["d_score_heldout"] = float(held.mean())
        if out.get("r_t_train") is not None:
            out["r_t_heldout"] = float(torch.sign(held - threshold).mean())
        span = float(train.mean() - fake.mean())  # the gap reads the same either way round (energies)
        out["d_overfit_gap"] = float(train.mean() - held.mean()) / span if (out["d_separation"] or 0) > 1 else None
        return out


def _first(labels, n: int):
    return None if labels is None else labels[:n].cpu()


def _covered(hist: np.ndarray) -> int:
    return int((hist >= COVERED_SHARE / len(hist)).sum())
