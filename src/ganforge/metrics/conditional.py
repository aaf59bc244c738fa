"""Conditional accuracy: the share of generated samples that a classifier assigns to the class
they were conditioned on (the check used by conditional GAN papers, e.g. AC-GAN's Table 1)."""

from __future__ import annotations

import numpy as np
import torch

from .result import MetricResult


def conditional_accuracy_from_probs(probs, labels) -> MetricResult:
    """probs [N, K] of the generated samples; labels [N] the classes they were generated for."""
    p, y = np.asarray(probs), np.asarray(labels).astype(np.int64)
    if p.shape[0] != y.shape[0]:
        raise ValueError(f"{p.shape[0]} samples but {y.shape[0]} labels")
    hits = (p.argmax(1) == y).astype(np.float64)
    se = float(hits.std(ddof=1) / np.sqrt(len(hits))) if len(hits) > 1 else None
    return MetricResult("conditional_accuracy", float(hits.mean()), se, "standard error",
                        {"n_classes": int(p.shape[1])})


CONFIDENT = 0.9  # a sample the classifier reads with p ≥ this counts as a clean example of its class
# an image whose pixels vary less than this fraction of a typical real image's is read as no class: a classifier
# trained on digits reads a blank image as a confident "1", which would count a G that draws nothing as clean
FLAT = 0.1


def _pixel_std(x) -> torch.Tensor:
    """Each image's pixel standard deviation, in [0, 1] units (uint8 images are scaled)."""
    x = torch.as_tensor(x)
    return torch.cat([(c.float() / 255 if c.dtype == torch.uint8 else c.float()).flatten(1).std(1)
                      for c in x.split(1000)]) if len(x) else torch.zeros(0)


def typical_pixel_std(reference) -> float:
    """The median per-image pixel std of real images: what ``flat_images`` measures against."""
    return float(_pixel_std(reference).median())


def flat_images(x, typical_std: float) -> np.ndarray:
    """[N] bool: the images whose pixel std is below ``FLAT`` × ``typical_std`` (blank or uniform images)."""
    return (_pixel_std(x) < FLAT * typical_std).numpy()


def confident_classes(probs, confident: float = CONFIDENT, unread=None) -> tuple[float, np.ndarray]:
    """The share of samples the classifier reads with p ≥ ``confident``, and the class histogram of
    those samples (shares summing to 1; zeros when none is read confidently). ``unread`` ([N] bool, e.g.
    ``flat_images``) marks samples that count as read by no class, whatever the classifier says."""
    p = np.asarray(probs, dtype=np.float64)
    sure = p.max(1) >= confident
    if unread is not None:
        sure &= ~np.asarray(unread, dtype=bool)
    counts = np.bincount(p[sure].argmax(1), minlength=p.shape[1]).astype(np.float64)
    return float(sure.mean()) if len(p) else 0.0, counts / max(counts.sum(), 1.0)


def confident_conditional_accuracy(probs, labels, confident: float = CONFIDENT, unread=None) -> list[MetricResult]:
    """``confident_cacc``: the share of samples the classifier reads as the class they were generated for
    with p ≥ ``confident``; ``worst_class_cacc``: the same share in the worst class (per class in params).
    ``unread`` ([N] bool) marks samples that count as misses (blank images, ``flat_images``)."""
    p, y = np.asarray(probs, dtype=np.float64), np.asarray(labels).astype(np.int64)
    if p.shape[0] != y.shape[0]:
        raise ValueError(f"{p.shape[0]} samples but {y.shape[0]} labels")
    hits = (p.argmax(1) == y) & (p.max(1) >= confident)
    if unread is not None:
        hits &= ~np.asarray(unread, dtype=bool)
    per_class = {int(c): float(hits[y == c].mean()) for c in np.unique(y)}
    params = {"confident": confident, "per_class": {k: round(v, 4) for k, v in per_class.items()},
              "n_classes": int(p.shape[1]), **_flat_param(unread)}
    return [MetricResult("confident_cacc", float(hits.mean()) if len(hits) else 0.0, None, None, params),
            MetricResult("worst_class_cacc", min(per_class.values()) if per_class else 0.0, None, None, params)]


def _flat_param(unread) -> dict:
    return {} if unread is None else {"flat_images": int(np.asarray(unread).sum()), "flat_below": FLAT}


def class_coverage_from_probs(probs, confident: float = CONFIDENT, unread=None) -> list[MetricResult]:
    """Unconditional samples read by a classifier: ``confident_share`` (read with p ≥ ``confident``)
    and ``smallest_class_share`` (the rarest class's share of those), the class histogram in params.
    ``unread`` ([N] bool): samples read as no class (blank images, ``flat_images``), counted in params."""
    share, hist = confident_classes(probs, confident, unread)
    params = {"confident": confident, "class_hist": [round(float(h), 4) for h in hist], "n_classes": len(hist),
              **_flat_param(unread)}
    return [MetricResult("confident_share", share, None, None, params),
            MetricResult("smallest_class_share", float(hist.min()), None, None, params)]


def class_spread_from_features(feats, labels, ref_feats, ref_labels) -> dict:
    """Variety within each class: for every class c asked for, the samples' spread (√ of the trace of
    their feature covariance) over that of the held-out reals of class c. A conditional G that draws
    one image per class scores near 0 in every class even while its samples as a whole span all the
    classes (the overall ``spread`` stays high); one as varied as the data, near 1.

    Returns {"class_spread": the mean over classes, "class_spread_min": the lowest, "class_spread_worst":
    its class, "per_class": {class: ratio}}; classes with fewer than 2 samples or 2 reals are skipped
    (an empty dict when none is left)."""
    f, y = np.asarray(feats, dtype=np.float64), np.asarray(labels).astype(np.int64)
    r, ry = np.asarray(ref_feats, dtype=np.float64), np.asarray(ref_labels).astype(np.int64)
    if f.shape[0] != y.shape[0] or r.shape[0] != ry.shape[0]:
        raise ValueError(f"{f.shape[0]} samples with {y.shape[0]} labels, {r.shape[0]} reals with {ry.shape[0]}")
    per_class = {}
    for c in np.unique(y):
        mine, theirs = f[y == c], r[ry == c]
        if len(mine) < 2 or len(theirs) < 2:
            continue
        ref_var = theirs.var(0, ddof=1).sum()
        if ref_var > 0:
            per_class[int(c)] = float(np.sqrt(mine.var(0, ddof=1).sum() / ref_var))
    if not per_class:
        return {}
    worst = min(per_class, key=per_class.get)
    return {"class_spread": float(np.mean(list(per_class.values()))), "class_spread_min": per_class[worst],
            "class_spread_worst": worst, "per_class": per_class}
