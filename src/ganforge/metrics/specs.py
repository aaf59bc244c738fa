"""The registered metrics: each a name, what it needs, and a function of the evaluation context
returning one or more ``MetricResult`` (``ganforge eval --metrics NAME,...``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from ..errors import GanforgeError
from ..registry import METRICS
from .conditional import (
    class_coverage_from_probs,
    class_spread_from_features,
    conditional_accuracy_from_probs,
    confident_conditional_accuracy,
)
from .fid import fid_from_features
from .inception_score import inception_score_from_probs
from .kid import kid_from_features
from .memorisation import memorisation
from .modes import mode_metrics, stacked_mode_metrics
from .parzen import parzen_from_samples
from .result import MetricResult


@dataclass(frozen=True)
class MetricSpec:
    name: str
    summary: str
    paper: str
    needs: tuple[str, ...]  # "features", "probs", "pixels", "labels", "modes"
    compute: Callable[..., list[MetricResult]]  # compute(ctx) with ctx: runner.EvalContext


def _fid(ctx):
    return [fid_from_features(ctx.gen_features, ctx.ref_features, splits=ctx.options.splits)]


def _kid(ctx):
    o = ctx.options
    return [kid_from_features(ctx.gen_features, ctx.ref_features, subsets=o.kid_subsets,
                              subset_size=o.kid_subset_size, seed=o.seed)]


def _is(ctx):
    name = "is" if ctx.feature_net.name == "inception-v3" else "classifier_score"
    result = inception_score_from_probs(ctx.gen_probs, splits=ctx.options.splits, name=name)
    real = inception_score_from_probs(ctx.ref_probs, splits=ctx.options.splits)
    result.params["reference_value"] = real.value  # the score of the real set: the ceiling to read it against
    result.params["reference_std"] = real.std
    return [result]


def _pr(ctx):
    out = ctx.prdc()
    return [out["precision"], out["recall"]]


def _dc(ctx):
    out = ctx.prdc()
    return [out["density"], out["coverage"]]


def _parzen(ctx):
    centers, test = ctx.gen_pixels(), ctx.ref_pixels()
    if tuple(centers.shape[1:]) != tuple(test.shape[1:]):
        raise GanforgeError(f"the Parzen estimate compares pixels: generated {list(centers.shape[1:])} and "
                            f"reference {list(test.shape[1:])} images must have the same shape")
    validation = ctx.validation_pixels()
    return [parzen_from_samples(centers, test, validation, sigmas=ctx.options.parzen_sigmas)]


def _cacc(ctx):
    if ctx.gen_labels is None:
        raise GanforgeError("conditional accuracy needs the class each sample was generated for: a conditional "
                            "run, or --labels FILE.npy next to --images")
    result = conditional_accuracy_from_probs(ctx.gen_probs, ctx.gen_labels)
    if ctx.ref_labels is not None:
        result.params["reference_value"] = float((np.asarray(ctx.ref_probs).argmax(1)
                                                  == np.asarray(ctx.ref_labels)).mean())
    return [result, *confident_conditional_accuracy(ctx.gen_probs, ctx.gen_labels, unread=ctx.gen_blank)]


def _class_spread(ctx):
    if ctx.gen_labels is None or ctx.ref_labels is None:
        raise GanforgeError("the spread within each class needs the class of every sample (a conditional run, or "
                            "--labels FILE.npy next to --images) and a labelled reference set (e.g. mnist:test)")
    within = class_spread_from_features(ctx.gen_features, ctx.gen_labels, ctx.ref_features, ctx.ref_labels)
    if not within:
        raise GanforgeError("the spread within each class needs at least 2 samples and 2 reference images of a class")
    params = {"per_class": {c: round(v, 4) for c, v in within["per_class"].items()}}
    return [MetricResult("class_spread", within["class_spread"], None, None, params),
            MetricResult("class_spread_min", within["class_spread_min"], None, None,
                         {**params, "class": within["class_spread_worst"]})]


def _classes(ctx):
    return class_coverage_from_probs(ctx.gen_probs, unread=ctx.gen_blank)


def _modes(ctx):
    if ctx.ref_info.get("stacked"):  # Stacked MNIST: one digit per channel, 1,000 modes
        from .features import get_feature_net

        return list(stacked_mode_metrics(ctx.as_read(ctx.gen_pixels()), get_feature_net("mnist-cnn"),
                                         reference=ctx.as_read(ctx.ref_pixels())).values())
    target = ctx.ref_info.get("target")  # toy datasets carry their exact law (ganforge.data.toy)
    centres = getattr(target, "centres", None)
    std = getattr(target, "std", None)
    if centres is None or std is None:
        raise GanforgeError("mode metrics need a Gaussian-mixture toy reference (e.g. --reference ring-2d), "
                            "whose dataset carries its centres and std, or stacked-mnist")
    return list(mode_metrics(ctx.gen_points(), centres, float(std)).values())


def _memo(ctx):
    from .features import prepare

    train = ctx.training_set
    if train.x.dim() != 4 or ctx.gen.x.dim() != 4:
        raise GanforgeError("memorisation compares images: the generated and training sets must both be images")
    size, channels = tuple(train.x.shape[2:]), int(train.x.shape[1])

    def pixels(x):  # [0, 1], the training images' size and channels, flattened
        return torch.cat([prepare(c, size, channels).flatten(1) for c in torch.as_tensor(x).split(500)])

    train_px = pixels(train.x)
    results = [memorisation(pixels(ctx.gen_pixels()), train_px, held_out=pixels(ctx.ref_pixels()), space="pixels",
                            seed=ctx.options.seed)]
    train_feats = torch.from_numpy(ctx.training_features())
    results.append(memorisation(torch.from_numpy(ctx.gen_features), train_feats,
                                held_out=torch.from_numpy(ctx.ref_features), space="features", seed=ctx.options.seed))
    for result in results:
        result.params["training_set"] = train.describe
    pairs = results[1].params["closest_pairs"]  # in the features' space: what the card's number counts
    samples = torch.stack([prepare(torch.as_tensor(ctx.gen_pixels()[p["sample"]])[None], size, channels)[0]
                           for p in pairs])
    nearest = torch.stack([prepare(train.x[p["training"]][None], size, channels)[0] for p in pairs])
    results[1].pictures["memo-pairs"] = torch.cat([samples, nearest])  # row 1: samples; row 2: their nearest
    return results


for spec in [
    MetricSpec("fid", "Fréchet distance of feature Gaussians (lower is better)", "Heusel et al., 2017",
               ("features",), _fid),
    MetricSpec("kid", "unbiased MMD², cubic polynomial kernel, mean ± std over subsets", "Bińkowski et al., 2018",
               ("features",), _kid),
    MetricSpec("is", "Inception Score; with a domain classifier its classifier-based analogue",
               "Salimans et al., 2016", ("probs",), _is),
    MetricSpec("pr", "improved precision and recall, k-NN manifolds (k = 3)", "Kynkäänniemi et al., 2019",
               ("features",), _pr),
    MetricSpec("dc", "density and coverage (k = 5)", "Naeem et al., 2020", ("features",), _dc),
    MetricSpec("parzen", "Gaussian Parzen-window log-likelihood, σ by validation (higher is better)",
               "Goodfellow et al., 2014; Breuleux et al., 2011", ("pixels",), _parzen),
    MetricSpec("cacc", "conditional accuracy: share classified as the conditioning class; also read with p ≥ 0.9, "
               "overall and in the worst class", "Odena et al., 2017",
               ("probs", "labels"), _cacc),
    MetricSpec("class_spread", "variety within each class asked for: the samples' feature spread over the "
               "reference images' of that class, mean over classes and the lowest (near 0: one image per class)",
               "ganforge", ("features", "labels"), _class_spread),
    MetricSpec("classes", "share of samples the classifier reads with p ≥ 0.9, and the rarest class's share of "
               "those (the class histogram in the card)", "ganforge", ("probs",), _classes),
    MetricSpec("memo", "share of samples nearer to a training image than half the median gap between training "
               "images, in pixels and in features (reference_value: held-out reals)", "ganforge; cf. Carlini et al., 2023",
               ("features",), _memo),
    MetricSpec("modes", "modes covered, KL from uniform (toy mixtures: and the high-quality share; stacked-mnist: "
               "1,000 digit triples read by mnist-cnn)", "Metz et al., 2017; Srivastava et al., 2017", ("modes",), _modes),
]:
    METRICS.register(spec.name, spec)
