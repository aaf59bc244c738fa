"""Build a folder of 200,000 64×64 RGB JPEGs from real data, for the streaming benchmark
(benchmarks/stream_folder.py, docs/streaming.md): far more than the small named sets, 2.4 GB once
decoded.

    python benchmarks/make_folder_200k.py --data-root ../shared/data --out /work/bigdata/folder200k

What it holds, one sub-folder per class (12 classes):
  * CIFAR-10's 60,000 images (train and test, from cifar10_jpeg/*.zip), upscaled 32→64 (bicubic);
  * 140,000 crops of horse2zebra's 1,360 photos (horse2zebra/{train,test}{A,B}, 256×256): square
    crops of side 64…256 at positions drawn from a generator seeded by (seed, photo index),
    mirrored half of the time, resized to 64×64 (Lanczos), in folders h2z_horse/ and h2z_zebra/.
Deterministic: the same sources and --seed give the same pixels (JPEG quality --quality).
A finished folder holds DONE; a folder without it is rebuilt from scratch.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

SIZE = 64
CIFAR_ZIPS = ("cifar10_jpeg/cifar10_jpeg_train.zip", "cifar10_jpeg/cifar10_jpeg_test.zip")
PHOTO_FOLDERS = (("h2z_horse", "horse2zebra/trainA"), ("h2z_horse", "horse2zebra/testA"),
                 ("h2z_zebra", "horse2zebra/trainB"), ("h2z_zebra", "horse2zebra/testB"))


class Progress:
    def __init__(self, total: int) -> None:
        self.total, self.done, self.t0, self.next = total, 0, time.perf_counter(), total // 20

    def add(self, n: int = 1) -> None:
        self.done += n
        if self.done >= self.next or self.done == self.total:
            rate = self.done / max(time.perf_counter() - self.t0, 1e-9)
            print(f"{self.done:>9,} / {self.total:,} images  {rate:7.0f} img/s  "
                  f"eta {(self.total - self.done) / rate:5.0f} s", flush=True)
            self.next += self.total // 20


def write(out: Path, label: str, name: str, im: Image.Image, quality: int) -> None:
    im.save(out / label / f"{name}.jpg", quality=quality)


def cifar(root: Path, out: Path, quality: int, limit: int, progress: Progress) -> int:
    n = 0
    for zname in CIFAR_ZIPS:
        with zipfile.ZipFile(root / zname) as zf:
            for member in sorted(m for m in zf.namelist() if m.endswith(".jpg")):
                if n == limit:
                    return n
                split, label, stem = Path(member).parts[-3:]
                with Image.open(io.BytesIO(zf.read(member))) as im:
                    big = im.convert("RGB").resize((SIZE, SIZE), Image.BICUBIC)
                (out / label).mkdir(exist_ok=True)
                write(out, label, f"cifar_{split}_{Path(stem).stem}", big, quality)
                n += 1
                progress.add()
    return n


def photo_crops(root: Path, out: Path, total: int, seed: int, quality: int, progress: Progress) -> None:
    photos = [(label, p) for label, folder in PHOTO_FOLDERS for p in sorted((root / folder).glob("*.jpg"))]
    if not photos:
        raise SystemExit(f"error: no horse2zebra photos under {root}")
    per, extra = divmod(total, len(photos))
    for i, (label, path) in enumerate(photos):
        rng = np.random.default_rng([seed, i])
        (out / label).mkdir(exist_ok=True)
        with Image.open(path) as im:
            photo = im.convert("RGB")
        w, h = photo.size
        for k in range(per + (i < extra)):
            side = int(rng.integers(SIZE, min(w, h) + 1))
            left, top = int(rng.integers(0, w - side + 1)), int(rng.integers(0, h - side + 1))
            crop = photo.crop((left, top, left + side, top + side)).resize((SIZE, SIZE), Image.LANCZOS)
            if rng.random() < 0.5:
                crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
            write(out, label, f"{path.parent.name}_{path.stem}_{k:03d}", crop, quality)
            progress.add()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-root", required=True, help="the shared data folder (cifar10_jpeg/, horse2zebra/)")
    ap.add_argument("--out", required=True, help="the folder to create (outside the repository)")
    ap.add_argument("--n", type=int, default=200_000, help="images in all (CIFAR-10's 60,000 first, then crops)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quality", type=int, default=90, help="JPEG quality")
    args = ap.parse_args()
    root, out = Path(args.data_root), Path(args.out)
    if (out / "DONE").is_file():
        print(f"{out} is complete ({(out / 'DONE').read_text().strip()}); delete it to build again")
        return
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    progress = Progress(args.n)
    t0 = time.perf_counter()
    n_cifar = cifar(root, out, args.quality, args.n, progress)
    if args.n > n_cifar:
        photo_crops(root, out, args.n - n_cifar, args.seed, args.quality, progress)
    (out / "DONE").write_text(f"{args.n} images, seed {args.seed}, quality {args.quality}\n")
    size = sum(p.stat().st_size for p in out.rglob("*.jpg"))
    print(f"wrote {args.n:,} images ({size / 1e6:.0f} MB on disk) to {out} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
