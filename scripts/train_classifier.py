"""Train the small MNIST-family classifier whose weights ship in ganforge/metrics/weights.

    python scripts/train_classifier.py --dataset mnist --data-root ../shared/data
    python scripts/train_classifier.py --dataset fashion-mnist --data-root ../shared/data
    python scripts/train_classifier.py --dataset digits
    python scripts/train_classifier.py --dataset cifar10 --data-root ../shared/data

Trains on the whole training split, reports accuracy on the test split, and writes
``src/ganforge/metrics/weights/<dataset>-cnn.safetensors`` with the recipe and accuracy in the
file's metadata. Deterministic: one CPU thread, fixed seed, deterministic algorithms; the same
seed on the same machine and torch version gives the same bytes.

``digits`` (scikit-learn's 1,797 8×8 digits, one split): every fifth image (index % 5 == 0, 360
images) is held out and the rest (1,437) trained on; the 8×8 images are brought to 28×28 the way
the metrics bring generated images (``metrics.features.prepare``: bilinear with antialiasing), so
the same network reads them.

``cifar10`` trains the small VGG-style ``CifarClassifier`` (classifier.py) with SGD (Nesterov
momentum 0.9, weight decay 5e-4, lr 0.05, cosine to 0), random crops (4-px zero padding) and
horizontal flips, channels-last; the data is whatever ``--dataset cifar10`` loads under
``--data-root`` (the python batches, or the JPEG zips ``cifar10_jpeg/cifar10_jpeg_{train,test}.zip``).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from types import SimpleNamespace

import torch
import torch.nn.functional as F

from ganforge.config import DataConfig
from ganforge.data import load_data
from ganforge.metrics.classifier import SHIPPED, CifarClassifier, DigitClassifier

# cifar10: 2 epochs fit the shared 2-core machine's time (8 reached 73.8% after 3 of them with the lr still high)
DEFAULT_EPOCHS = {"mnist": 3, "fashion-mnist": 4, "digits": 40, "cifar10": 2}
# random translation by up to this many pixels (MNIST without it stopped at 98.98% in 4 epochs)
DEFAULT_SHIFT = {"mnist": 2, "fashion-mnist": 0, "digits": 2, "cifar10": 4}  # cifar10: crop from 4-px padding
DEFAULT_LR = {"cifar10": 0.05}  # others: 1e-3 (Adam)
DEFAULT_BATCH = {"digits": 64}


def random_shift(x: torch.Tensor, max_shift: int, gen: torch.Generator) -> torch.Tensor:
    """Translate each image [B, 1, H, W] by its own random offset in [-max_shift, max_shift]²,
    filling with zeros (the background)."""
    if max_shift == 0:
        return x
    b, _, h, w = x.shape
    padded = F.pad(x, (max_shift,) * 4)
    dy, dx = (torch.randint(0, 2 * max_shift + 1, (2, b), generator=gen))
    rows = dy[:, None] + torch.arange(h)
    cols = dx[:, None] + torch.arange(w)
    return padded[torch.arange(b)[:, None, None], 0, rows[:, :, None], cols[:, None, :]][:, None]


def random_crop_flip(x: torch.Tensor, pad: int, gen: torch.Generator) -> torch.Tensor:
    """Each image [B, C, H, W] cropped at its own random offset from a zero-padded copy (±pad
    pixels) and mirrored left–right with probability 1/2."""
    b, c, h, w = x.shape
    padded = F.pad(x, (pad,) * 4)
    dy, dx = torch.randint(0, 2 * pad + 1, (2, b), generator=gen)
    flip = torch.rand(b, generator=gen) < 0.5
    cols = dx[:, None] + torch.arange(w)
    cols = torch.where(flip[:, None], cols.flip(1), cols)
    rows = dy[:, None] + torch.arange(h)
    return padded[torch.arange(b)[:, None, None, None], torch.arange(c)[None, :, None, None],
                  rows[:, None, :, None], cols[:, None, None, :]]


def digits_split() -> tuple[SimpleNamespace, SimpleNamespace]:
    """sklearn's 8×8 digits as 28×28 uint8, split into (train: index % 5 != 0, held out: index % 5 == 0)."""
    from ganforge.metrics.classifier import IMAGE_SIZE
    from ganforge.metrics.features import prepare

    data = load_data(DataConfig(name="digits"))
    x = (prepare(data.x, IMAGE_SIZE, 1) * 255).round().to(torch.uint8)
    held = torch.arange(len(x)) % 5 == 0
    return (SimpleNamespace(x=x[~held], labels=data.labels[~held]),
            SimpleNamespace(x=x[held], labels=data.labels[held]))


def accuracy(model: DigitClassifier, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(xb.float() / 255).argmax(1) for xb in x.split(1000)])
    return (pred == y).float().mean().item()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", choices=sorted(SHIPPED), required=True)
    ap.add_argument("--data-root", default=None, help="root holding MNIST/raw, FashionMNIST/raw (not for digits)")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--batch-size", type=int, default=None, help="default 128 (digits: 64)")
    ap.add_argument("--lr", type=float, default=None, help="default 1e-3 (Adam); cifar10: 0.05 (SGD)")
    ap.add_argument("--shift", type=int, default=None, help="random translation in pixels (augmentation)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=None, help="default: src/ganforge/metrics/weights/<dataset>-cnn.safetensors")
    args = ap.parse_args()
    epochs = args.epochs or DEFAULT_EPOCHS[args.dataset]
    shift = DEFAULT_SHIFT[args.dataset] if args.shift is None else args.shift
    args.batch_size = args.batch_size or DEFAULT_BATCH.get(args.dataset, 128)
    args.lr = args.lr or DEFAULT_LR.get(args.dataset, 1e-3)
    cifar = args.dataset == "cifar10"

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    if args.dataset == "digits":
        train, test = digits_split()
        held_out = "every fifth of sklearn's 1,797 digits (index % 5 == 0, 360 images), upsampled to 28×28"
    else:
        if args.data_root is None:
            ap.error(f"--data-root is required for {args.dataset}")
        train = load_data(DataConfig(name=args.dataset, root=args.data_root, split="train"))
        test = load_data(DataConfig(name=args.dataset, root=args.data_root, split="test"))
        held_out = "the test split"
    if cifar:
        model = CifarClassifier().to(memory_format=torch.channels_last)
        opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    else:
        model = DigitClassifier()
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    gen = torch.Generator().manual_seed(args.seed)
    n = len(train.x)
    steps_per_epoch = n // args.batch_size
    total = epochs * steps_per_epoch
    # cosine decay of the learning rate to zero over the run, per update
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 0.5 * (1 + math.cos(math.pi * t / total)))
    t0 = time.time()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        running = 0.0
        for i in range(steps_per_epoch):
            idx = perm[i * args.batch_size : (i + 1) * args.batch_size]
            xb = train.x[idx].float() / 255
            xb = random_crop_flip(xb, shift, gen).contiguous(memory_format=torch.channels_last) if cifar \
                else random_shift(xb, shift, gen)
            loss = F.cross_entropy(model(xb), train.labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            running += loss.item()
        acc = accuracy(model, test.x, test.labels)
        print(f"epoch {epoch + 1}/{epochs}  loss {running / steps_per_epoch:.4f}  test acc {acc:.4f}  "
              f"{time.time() - t0:.0f}s", flush=True)
    info = {"dataset": args.dataset, "test_accuracy": round(acc, 4), "train_accuracy": None,
            "epochs": epochs, "batch_size": args.batch_size, "lr": args.lr, "schedule": "cosine to 0",
            "optimizer": "sgd (nesterov 0.9, weight decay 5e-4)" if cifar else "adam",
            "augmentation": (f"random crop from ±{shift} px zero padding, horizontal flip" if cifar
                             else f"random shift ±{shift} px" if shift else "none"),
            "arch": "cifar-vgg" if cifar else "digit-cnn",
            "held_out": held_out, "seed": args.seed, "n_classes": 10, "torch": torch.__version__,
            "script": "scripts/train_classifier.py", "seconds": round(time.time() - t0, 1)}
    info["train_accuracy"] = round(accuracy(model, train.x, train.labels), 4)
    out = Path(args.out) if args.out else (Path(__file__).resolve().parents[1] / "src/ganforge/metrics/weights"
                                           / SHIPPED[args.dataset])
    out.parent.mkdir(parents=True, exist_ok=True)
    from safetensors.torch import save_file

    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(out), metadata={"ganforge": json.dumps(info, sort_keys=True)})
    out.chmod(0o644)  # safetensors writes owner-only files; the package data must be world-readable
    print(json.dumps(info))
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
