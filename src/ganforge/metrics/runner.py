"""The evaluation runner behind ``ganforge eval``: generated samples (a run's generator, an
array, a folder of images, or a dataset split) against a reference split, every requested
metric, one protocol card per number appended to a JSONL file.

A protocol card holds: metric, value, std (and what the std is), n_generated, n_reference,
where each set came from (run and step, or file; dataset, split, selection), the feature
network with the sha256 of its weights, layer, image size and resizing, the 8-bit
quantisation, the metric's own parameters, seeds, versions, and the seconds taken.
"""

from __future__ import annotations

import contextlib
import json
import platform
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

from ..config import DataConfig, check_seed
from ..data.base import no_downloads
from ..data.fit import centred_from, read_native
from ..errors import GanforgeError
from ..registry import METRICS
from ..run_dir import run_path
from . import specs as _specs  # noqa: F401  (registers the metrics)
from .cache import pixels_sha256, reference_features
from .features import FeatureNet, as_tensor, default_feature_name, get_feature_net
from .inputs import check_enough, check_same_width, check_samples, load_npy
from .parzen import DEFAULT_SIGMAS
from .prdc import prdc_from_features

DEFAULT_METRICS = ("fid", "kid", "is", "pr", "dc")


@dataclass
class EvalOptions:
    n: int = 10000  # generated samples (and reference images, unless n_ref is given)
    n_ref: int | None = None
    seed: int = 0  # sampling seed of the generator and seed of KID's subsets
    splits: int = 10  # IS and FID splits
    kid_subsets: int = 100
    kid_subset_size: int = 1000
    k_pr: int = 3
    k_dc: int = 5
    parzen_sigmas: tuple = DEFAULT_SIGMAS
    parzen_validation: int = 10000  # the last N images of the reference dataset's train split
    batch_size: int = 500
    quantize: bool = True  # round generated images to 8 bits, as saving them as PNG would
    use_cache: bool = True
    ema: bool = True  # a run's EMA generator when it keeps one (False: the raw weights)
    truncation: float | None = None  # BigGAN's truncation threshold for a run's z (None: plain z)
    train_set: str | None = None  # memorisation: the images G was trained on (default: a run's own data and split)
    checkpoint: str | None = None  # a run's checkpoint: best, last (None) or a folder under RUN/checkpoints


@dataclass
class SampleSet:
    """One side of the comparison: x uint8/float images [N, C, H, W] or points [N, D]."""

    x: torch.Tensor
    labels: torch.Tensor | None
    describe: dict
    info: dict = field(default_factory=dict)
    dataset: str | None = None  # the registered dataset name, when it is one
    data_root: str | None = None


def parse_dataset_spec(spec: str) -> tuple[str, str | None]:
    """"mnist" → ("mnist", None); "mnist:test" → ("mnist", "test"); a path stays whole."""
    if Path(spec).expanduser().exists() or ":" not in spec:
        return spec, None
    name, split = spec.rsplit(":", 1)
    return name, split or None


def load_dataset_set(spec: str, *, split: str, data_root: str | None, n: int, tail: bool = False,
                     like: dict | None = None) -> SampleSet:
    """``n`` examples of a dataset (the first, or with ``tail`` the last). ``like``: a run's
    ``{image_size, fit, channels}``, so that a run is compared with its data as it saw them: MNIST
    resized 28→32 for a 32×32 preset, a folder padded to its architecture's size. (Comparing 32×32
    samples with native 28×28 images instead measures the resizing too: the 32×32 training images
    themselves read FID ≈ 66 against the native test set in mnist-cnn features.)"""
    from .. import data as _data  # noqa: F401  (registers the datasets)
    from ..data import load_data

    name, spec_split = parse_dataset_spec(spec)
    split = spec_split or split
    shaped = {k: v for k, v in (like or {}).items() if v is not None}
    data = load_data(DataConfig(name=name, root=data_root, split=split, **shaped))
    total = len(data)
    lo, hi = (max(total - n, 0), total) if tail else (0, min(n, total))
    x = data.x[lo:hi]
    labels = data.labels[lo:hi] if data.labels is not None else None
    from ..registry import DATASETS

    registered = name in DATASETS
    return SampleSet(x, labels, {"dataset": name if registered else str(Path(name).expanduser().resolve()),
                                 "split": split if registered else None,
                                 "selection": f"[{lo}:{hi}] of {total}",
                                 **({"as_trained": shaped} if shaped.get("image_size") else {})},
                     dict(data.info), name if registered else None, data_root)


def load_generated(*, run_dir=None, images=None, labels=None, data_root=None, split="test",
                   options: EvalOptions) -> tuple[SampleSet, str | None, str | None]:
    """The generated side, plus the run's own dataset and data root (defaults for the reference)."""
    if (run_dir is None) == (images is None):
        raise GanforgeError("give a RUN_DIR or --images DIR_OR_NPY (one of the two)")
    if run_dir is not None:
        from ..runs.load import load

        G = load(run_dir, ema=options.ema, truncation=options.truncation, checkpoint=options.checkpoint)
        t0 = time.time()
        x, lab = G.sample(options.n, seed=options.seed, return_labels=True)
        describe = {"run_dir": str(Path(run_dir).resolve()), "step": int(G.step), "recipe": G.cfg.recipe,
                    "trained_on": f"{G.cfg.data.name}:{G.cfg.data.split}",
                    **({"trained_on_first": G.cfg.data.limit} if G.cfg.data.limit else {}),
                    "trained_as": _trained_as(G.cfg),
                    "sample_seed": options.seed, "sampling_seconds": round(time.time() - t0, 3),
                    "generator": "EMA" if G.ema else "trained weights"}
        if options.checkpoint is not None:
            describe["checkpoint"] = Path(options.checkpoint).name
        if options.truncation is not None:
            describe["truncation"] = options.truncation
        if lab is not None:
            describe["labels"] = f"balanced: sample i has class i mod {G.n_classes}"
        check_samples(x, f"the generator of {run_dir} (step {G.step})")
        return SampleSet(x, lab, describe), G.cfg.data.name, G.cfg.data.root
    if options.truncation is not None or not options.ema or options.checkpoint is not None:
        raise GanforgeError("--truncation, --checkpoint and --no-ema choose how a run's generator samples; with --images there "
                            "is no generator: drop them, or apply the truncation when writing the images")
    path = Path(images).expanduser()
    if path.suffix.lower() == ".npy" and path.is_file():
        arr = load_npy(path, "--images")
        x = as_tensor(arr)[: options.n]
        check_samples(x, f"--images {path}")
        describe = {"images": str(path.resolve()), "format": f"npy {arr.dtype} {list(arr.shape)}",
                    "selection": f"[0:{len(x)}]"}
    elif path.exists():
        s = load_dataset_set(str(path), split=split, data_root=data_root, n=options.n)
        x = s.x
        describe = {"images": str(path.resolve()), "format": "image files", "selection": s.describe["selection"]}
    else:
        name, _ = parse_dataset_spec(images)
        from .. import data as _data  # noqa: F401
        from ..registry import DATASETS

        if name not in DATASETS:
            raise GanforgeError(f"--images {images}: no such file or folder, and not a dataset name "
                                f"({', '.join(DATASETS.names())}, optionally with :train or :test)")
        s = load_dataset_set(images, split="train", data_root=data_root, n=options.n)
        x, describe = s.x, {"images": f"{s.describe['dataset']}:{s.describe['split']}", "format": "dataset",
                            "selection": s.describe["selection"]}
    lab = None
    if labels is not None:
        lab = torch.as_tensor(load_npy(Path(labels).expanduser(), "--labels")).long().reshape(-1)[: len(x)]
        if len(lab) != len(x):
            raise GanforgeError(f"--labels has {len(lab)} entries for {len(x)} images")
    return SampleSet(x, lab, describe), None, None


class EvalContext:
    """What the registered metric functions read: features and probabilities of both sets
    (computed on first use; the reference's from the cache), pixels for Parzen."""

    def __init__(self, gen: SampleSet, ref: SampleSet, features, options: EvalOptions) -> None:
        self.gen, self.ref, self._features_spec, self.options = gen, ref, features, options
        self.timings: dict = {}

    @cached_property
    def feature_net(self) -> FeatureNet:
        spec = self._features_spec
        if spec in (None, "auto"):
            kind = "image" if self.ref.x.dim() == 4 else "points"
            spec = default_feature_name(self.ref.dataset, kind)
        return get_feature_net(spec)

    @cached_property
    def read_back(self) -> list[int] | None:
        """[h, w] when the run centred its data from that size without scaling (``data.fit=centre``, as
        PGGAN's MNIST, 28×28 in a 32×32 frame): the feature network then reads every set cut back to it,
        the data exactly as they were before the run framed them and the samples without their margins,
        instead of scaling the whole frame (which would shrink and blur the digit). None otherwise."""
        shaped = self.ref.describe.get("as_trained") or {}
        return centred_from(shaped.get("fit"), self.ref.info.get("native_size"), shaped.get("image_size"))

    def as_read(self, x: torch.Tensor) -> torch.Tensor:
        """Images as the feature network reads them: cut back to ``read_back`` where the run centred them."""
        return read_native(x, self.read_back, (self.ref.describe.get("as_trained") or {}).get("image_size"))

    @cached_property
    def _gen_extract(self) -> dict:
        t0 = time.time()
        out = self.feature_net.extract(self.as_read(self.gen.x), batch_size=self.options.batch_size,
                                       quantize=self.options.quantize)
        self.timings["generated_features_seconds"] = round(time.time() - t0, 3)
        return out

    @cached_property
    def _ref_extract(self) -> dict:
        t0 = time.time()
        out, info = reference_features(self.as_read(self.ref.x), self.ref.describe, self.feature_net,
                                       use_cache=self.options.use_cache, batch_size=self.options.batch_size,
                                       quantize=self.options.quantize)
        self.timings["reference_features_seconds"] = round(time.time() - t0, 3)
        self.timings["reference_cache"] = {"hit": info["hit"], "key": info["key"]}
        return out

    def _need_probs(self, d: dict) -> np.ndarray:
        if "probs" not in d:
            raise GanforgeError(f"feature network {self.feature_net.name!r} has no class probabilities; "
                                f"IS and conditional accuracy need a classifier (mnist-cnn, inception-v3)")
        return d["probs"].numpy()

    @cached_property
    def _features(self) -> tuple[np.ndarray, np.ndarray]:
        gen, ref = self._gen_extract["features"].numpy(), self._ref_extract["features"].numpy()
        check_same_width(gen, ref, self.feature_net.name)
        return gen, ref

    @property
    def gen_features(self) -> np.ndarray:
        return self._features[0]

    @property
    def ref_features(self) -> np.ndarray:
        return self._features[1]

    @property
    def gen_probs(self) -> np.ndarray:
        return self._need_probs(self._gen_extract)

    @property
    def ref_probs(self) -> np.ndarray:
        return self._need_probs(self._ref_extract)

    @property
    def gen_labels(self):
        return None if self.gen.labels is None else self.gen.labels.numpy()

    @property
    def ref_labels(self):
        return None if self.ref.labels is None else self.ref.labels.numpy()

    @property
    def ref_info(self) -> dict:
        return self.ref.info

    @cached_property
    def _prdc(self) -> dict:
        check_enough(len(self.gen.x), len(self.ref.x), self.options.k_pr, "precision/recall (pr)")
        check_enough(len(self.gen.x), len(self.ref.x), self.options.k_dc, "density/coverage (dc)")
        return prdc_from_features(self.gen_features, self.ref_features, k_pr=self.options.k_pr, k_dc=self.options.k_dc)

    def prdc(self) -> dict:
        return self._prdc

    def gen_pixels(self) -> torch.Tensor:
        x = self.gen.x
        if x.dtype != torch.uint8 and self.options.quantize and x.dim() == 4:
            x = torch.round(x.float().clamp(0, 1) * 255) / 255
        return x

    def ref_pixels(self) -> torch.Tensor:
        return self.ref.x

    @cached_property
    def gen_blank(self):
        """[N] bool: the generated images with (almost) no content, which the class metrics count as read by no
        class (``conditional.flat_images``); None for points. Once per evaluation, whichever metrics ask."""
        from .conditional import flat_images, typical_pixel_std

        gen, ref = self.gen_pixels(), self.ref_pixels()
        if gen.dim() != 4 or ref.dim() != 4:
            return None
        return flat_images(gen, typical_pixel_std(ref))

    def gen_points(self) -> np.ndarray:
        return self.gen.x.reshape(len(self.gen.x), -1).double().numpy()

    @cached_property
    def training_set(self) -> SampleSet:
        """The images G was trained on (memorisation): ``--train-set``, else the run's own data."""
        spec = self.options.train_set or self.gen.describe.get("trained_on")
        if spec is None:
            raise GanforgeError("memorisation compares samples with the images G was trained on: give --train-set "
                                "NAME[:SPLIT] or a folder (a run knows its own)")
        name, split = parse_dataset_spec(spec)
        # a run trained on the first N images (data.limit) is compared with those N only
        first = None if self.options.train_set else self.gen.describe.get("trained_on_first")
        like = None if self.options.train_set else self.gen.describe.get("trained_as")
        return load_dataset_set(spec, split=split or "train", data_root=self.ref.data_root, n=first or 10**9, like=like)

    def training_features(self) -> np.ndarray:
        train = self.training_set
        out, _ = reference_features(self.as_read(train.x), train.describe, self.feature_net, use_cache=self.options.use_cache,
                                    batch_size=self.options.batch_size, quantize=self.options.quantize)
        return out["features"].numpy()

    def validation_pixels(self) -> torch.Tensor:
        if self.ref.dataset is None:
            raise GanforgeError("the Parzen estimate needs a named reference dataset (e.g. mnist:test): its "
                                "validation set is the end of that dataset's train split")
        val = load_dataset_set(self.ref.dataset, split="train", data_root=self.ref.data_root,
                               n=self.options.parzen_validation, tail=True)
        self.parzen_validation = val.describe
        return val.x


def _versions() -> dict:
    from .. import __version__

    return {"ganforge": __version__, "torch": torch.__version__, "numpy": np.__version__,
            "python": platform.python_version()}


def _resizing(ctx: EvalContext, gen_x: torch.Tensor) -> str:
    """How the generated images reach the feature network's input, for the card."""
    net, steps = ctx.feature_net, []
    size = tuple(ctx.as_read(gen_x[:1]).shape[2:])  # one image tells the shape the network is given
    if size != tuple(gen_x.shape[2:]):
        steps.append(f"cut back to {size[0]}×{size[1]} (the run's data.fit=centre, undone)")
    if net.image_size is not None and tuple(net.image_size) != size:
        steps.append(net.resizing)
    return "; then ".join(steps) or "none"


def card_for(result, ctx: EvalContext, spec, seconds: float) -> dict:
    uses_net = any(need in ("features", "probs") for need in spec.needs)
    gen_x = ctx.gen.x
    card = {
        "metric": result.metric,
        "value": result.value,
        "std": result.std,
        "std_kind": result.std_kind,
        "n_generated": int(len(gen_x)),
        "n_reference": int(len(ctx.ref.x)),
        "generated": ctx.gen.describe,
        "reference": {**ctx.ref.describe, "pixels_sha256": pixels_sha256(ctx.ref.x)[:16]},
        "feature_net": ctx.feature_net.card() if uses_net else None,
        "space": "feature network" if uses_net else ("pixels in [0, 1], flattened" if gen_x.dim() == 4 else "points"),
        "image_size": list(gen_x.shape[1:]),
        "resizing": _resizing(ctx, gen_x) if uses_net else "none",
        "quantize": "generated images rounded to 8 bits" if ctx.options.quantize else "none",
        "params": result.params,
        "seeds": {"sample": ctx.options.seed if "run_dir" in ctx.gen.describe else None, "metric": ctx.options.seed},
        "versions": _versions(),
        "seconds": round(seconds, 3),
        "feature_timings": dict(ctx.timings) if uses_net else None,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if result.metric == "parzen":
        card["params"]["validation"] = getattr(ctx, "parzen_validation", None)
    return card


def evaluate(*, run_dir=None, images=None, labels=None, reference: str | None = None, data_root: str | None = None,
             split: str = "test", metrics=DEFAULT_METRICS, features="auto", out=None,
             options: EvalOptions | None = None, echo=None, like_run=None) -> list[dict]:
    """Evaluate generated samples against a reference; append one card per number to ``out``.

    ``run_dir``: a ganforge run (its generator draws ``options.n`` samples with ``options.seed``);
    ``images``: an .npy array ([N, C, H, W] float in [0, 1] or uint8, or points [N, D]), a folder
    / .zip of images, or a dataset spec such as ``mnist:train``. ``reference``: ``NAME[:SPLIT]``
    or a folder; by default the run's own dataset, split ``split``. ``like_run`` (with ``images``): a run
    whose data the images stand for: the reference defaults to its dataset and data root and, where it is
    that dataset, is brought to the run's image size, fit and channels, as the run itself is measured.
    Returns the cards.
    """
    options = options or EvalOptions()
    check_seed(options.seed)
    names = [m.strip() for m in (metrics.split(",") if isinstance(metrics, str) else metrics) if m.strip()]
    if not names:
        raise GanforgeError(f"no metrics given; valid: {', '.join(METRICS.names())}")
    chosen = [METRICS.get(name) for name in names]
    if run_dir is not None:  # RUN/checkpoints/best names the run and its checkpoint
        from ..runs.load import resolve_run

        run_dir, checkpoint = resolve_run(run_dir, options.checkpoint)
        options = replace(options, checkpoint=checkpoint)
    if like_run is not None and run_dir is not None:
        raise GanforgeError("--like RUN goes with --images; a run is already measured as it was trained")
    out = Path(out) if out is not None else _default_out(run_dir, images)
    gen, run_data, run_root = load_generated(run_dir=run_dir, images=images, labels=labels, data_root=data_root,
                                             split=split, options=options)
    trained_as = gen.describe.get("trained_as")
    if like_run is not None:
        from ..runs.load import resolve_run
        from ..runs.read import read_run

        like_cfg, _ = read_run(resolve_run(like_run)[0])
        run_data, run_root, trained_as = like_cfg.data.name, like_cfg.data.root, _trained_as(like_cfg)
        gen.describe["like_run"] = str(Path(like_run).resolve())
    reference = reference or run_data
    # the run's own dataset (any split) is compared as the run saw it: at its size, fit and channels
    same = reference is not None and run_data is not None and parse_dataset_spec(reference)[0] == run_data
    like = trained_as if same else None
    if reference is None:
        raise GanforgeError("--reference is needed with --images, e.g. --reference mnist:test")
    # a data root read from the run directory is untrusted: it is used only where the files already are
    with no_downloads() if data_root is None and run_root is not None else contextlib.nullcontext():
        return _measure(gen, reference, split=split, data_root=data_root or run_root, chosen=chosen,
                        features=features, out=out, options=options, echo=echo, like=like)


def _trained_as(cfg) -> dict:
    """The shape a run's images were trained at: its data's size, fit and channels."""
    return {"image_size": cfg.data.image_size, "fit": cfg.data.fit, "channels": cfg.data.channels}


def _write_picture(path: Path, images) -> None:
    """Two rows of images (a metric's pictures: generated above, what they are compared with below)
    as one PNG, written whole or not at all."""
    from ..run_dir import atomic_write
    from ..viz.grid import grid_image

    with atomic_write(path) as tmp:
        grid_image(images, nrow=len(images) // 2).save(tmp, format="PNG")


def _default_out(run_dir, images) -> Path:
    """RUN_DIR/eval.jsonl (never through a link leading out of the run), else beside --images."""
    if run_dir is not None:
        return run_path(run_dir, "eval.jsonl")
    p = Path(str(images)).expanduser()
    return (p.with_name(p.stem + ".eval.jsonl") if p.exists()
            else Path(str(images).replace(":", "-").replace("/", "-") + ".eval.jsonl"))


def _measure(gen: SampleSet, reference: str, *, split, data_root, chosen, features, out: Path, options,
             echo, like: dict | None = None) -> list[dict]:
    n_ref = options.n_ref or options.n
    ref = load_dataset_set(reference, split=split, data_root=data_root, n=n_ref, like=like)
    check_samples(ref.x, f"the reference {reference}")
    if ref.x.dim() != gen.x.dim():
        raise GanforgeError(f"generated samples {list(gen.x.shape[1:])} and reference {list(ref.x.shape[1:])} "
                            f"are not the same kind of data")
    ctx = EvalContext(gen, ref, features, options)
    cards, pictures = [], {}
    for spec in chosen:
        t0 = time.time()
        try:
            results = spec.compute(ctx)
        except ValueError as err:  # the metric's own input checks
            raise GanforgeError(f"{spec.name}: {' '.join(str(err).split())}; raise --n or check the inputs") from None
        seconds = time.time() - t0
        for result in results:
            pictures.update(result.pictures)
            card = card_for(result, ctx, spec, seconds)
            cards.append(card)
            if echo:
                spread = f" ± {result.std:.4g}" if result.std is not None else ""
                echo(f"{result.metric:20s} {result.value:.6g}{spread}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "a") as f:
        for card in cards:
            f.write(json.dumps(card, default=_json_default) + "\n")
    for name, images in pictures.items():
        _write_picture(out.with_name(f"{out.stem}.{name}.png"), images)
    if echo:
        src = gen.describe.get("run_dir") or gen.describe.get("images")
        net = ctx.feature_net.name if "feature_net" in ctx.__dict__ else "-"
        echo(f"({len(gen.x)} generated from {src} vs {len(ref.x)} of {ref.describe['dataset']}"
             f"{':' + ref.describe['split'] if ref.describe['split'] else ''}; features {net}) → {out}")
    return cards


def _json_default(obj):
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if hasattr(obj, "__dataclass_fields__"):
        return asdict(obj)
    return str(obj)
