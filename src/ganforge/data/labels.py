"""Class labels of an image folder, with their names: from the first-level sub-folders
(``DIR/<class>/*.png``) or from a CSV of file → label (``data.labels``).

Class indices follow the sorted class names: sub-folders in text order (as torchvision's
ImageFolder, and as earlier runs, so a resumed run keeps its classes), CSV labels numerically when
every one is a whole number (labels 0 … 9 keep their numbers); the names are kept in ``TensorData.info["class_names"]`` and recorded in
the run's run.json, where ``ganforge sample --class NAME`` reads them.
"""

from __future__ import annotations

import csv
from pathlib import Path, PurePosixPath

import torch
from torch import Tensor

from ..errors import GanforgeError

SHOWN = 8  # names listed in a message before "…"


def sorted_classes(names, numeric: bool = False) -> list[str]:
    """Class names in index order: text order, or with ``numeric`` numeric order when every name
    is a whole number."""
    names = set(names)
    if numeric and all(n.strip().lstrip("-").isdigit() for n in names):
        return sorted(names, key=lambda n: int(n))
    return sorted(names)


def _indices(per_image: list[str], numeric: bool = False) -> tuple[Tensor, list[str]]:
    classes = sorted_classes(per_image, numeric)
    index = {c: i for i, c in enumerate(classes)}
    return torch.tensor([index[c] for c in per_image], dtype=torch.int64), classes


def folder_classes(names: list[str]) -> tuple[Tensor, list[str]] | None:
    """(labels int64 [N], class names) from the sub-folder holding each image, when every image
    sits in a sub-folder and there are at least two; else None."""
    parts = [PurePosixPath(n.replace("\\", "/")).parts for n in names]
    if not parts or not all(len(p) >= 2 for p in parts):
        return None
    per_image = [p[-2] for p in parts]
    if len(set(per_image)) < 2:
        return None
    return _indices(per_image)


def _key(name: str) -> str:
    """A file name as listed (folder-relative, '/' separators, no leading './')."""
    key = PurePosixPath(name.strip().replace("\\", "/")).as_posix()
    return key[2:] if key.startswith("./") else key


def read_label_csv(csv_path: str | Path) -> dict[str, str]:
    """file → label from a CSV of two columns (file path relative to the data folder, label);
    a first row whose file column has no suffix (.png, …) is a header and skipped."""
    path = Path(csv_path).expanduser()
    if not path.is_file():
        raise GanforgeError(f"data.labels: the label file {str(path)!r} does not exist; give a CSV of file,label "
                            f"rows (file paths relative to the data folder)")
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = [r for r in csv.reader(f) if any(cell.strip() for cell in r)]
    except (UnicodeDecodeError, csv.Error, OSError) as err:
        raise GanforgeError(f"data.labels: {path} is not a readable CSV text file ({err}); save it as UTF-8 CSV") from None
    if rows and not PurePosixPath(rows[0][0].strip()).suffix:
        rows = rows[1:]  # a header such as "file,label" (an image's name has a suffix)
    out: dict[str, str] = {}
    for line, row in enumerate(rows, start=1):
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise GanforgeError(f"data.labels: {path} row {line} ({','.join(row)!r}) needs two columns: a file path "
                                f"relative to the data folder and a non-empty label")
        key, label = _key(row[0]), row[1].strip()
        if out.get(key, label) != label:
            raise GanforgeError(f"data.labels: {path} gives {key} two labels ({out[key]!r} and {label!r}); keep one")
        out[key] = label
    if not out:
        raise GanforgeError(f"data.labels: {path} holds no file,label rows")
    return out


def csv_classes(csv_path: str | Path, all_names: list[str], chosen: list[str]) -> tuple[Tensor, list[str]]:
    """(labels, class names) of the images ``chosen`` (a subset of ``all_names``, the folder's
    whole listing) from the CSV. Every chosen image needs a label; every labelled file must exist."""
    table = read_label_csv(csv_path)
    present = {_key(n) for n in all_names}
    missing_images = sorted(k for k in table if k not in present)
    if missing_images:
        raise GanforgeError(f"data.labels: {len(missing_images)} file(s) labelled in {csv_path} are not images in the "
                            f"data folder ({_few(missing_images)}); paths must be relative to the folder — fix or "
                            f"remove those rows")
    unlabelled = [n for n in chosen if _key(n) not in table]
    if unlabelled:
        raise GanforgeError(f"data.labels: {len(unlabelled)} image(s) have no label in {csv_path} ({_few(unlabelled)}); "
                            f"add a row for each, or move them out of the folder")
    labels, classes = _indices([table[_key(n)] for n in chosen], numeric=True)
    if len(classes) < 2:
        raise GanforgeError(f"data.labels: {csv_path} gives every image the one label {classes[0]!r}; a conditional "
                            f"run needs at least two classes")
    return labels, classes


def image_classes(labels_csv: str | None, all_names: list[str], chosen: list[str]) -> tuple[Tensor | None, list | None]:
    """The labels and class names of the images ``chosen``: from ``labels_csv`` when given, else
    from sub-folders (None, None when there are none)."""
    if labels_csv:
        return csv_classes(labels_csv, all_names, chosen)
    found = folder_classes(chosen)
    return found if found is not None else (None, None)


def _few(names: list[str]) -> str:
    return ", ".join(names[:SHOWN]) + (", …" if len(names) > SHOWN else "")


def describe_classes(data, conditional: bool, recipe: str) -> str | None:
    """The line ``train`` prints about the data's classes (None for data without labels)."""
    if getattr(data, "labels", None) is None:
        return None
    names = data.info.get("class_names")
    where = data.info.get("labels_from")
    k = len(names) if names else int(data.labels.max()) + 1
    shown = f": {_few(list(names))}" if names else ""
    source = f" from {where}" if where else ""
    if conditional:
        return f"classes: {k}{source}{shown}"
    if not where:
        return None  # a named dataset's labels, unused: nothing worth a line
    return f"classes: {k}{source}{shown} — not used, {recipe} is unconditional (--set conditional=true uses them)"


def class_info(classes: list[str] | None, cfg) -> dict:
    """What a loaded folder's ``info`` records about its classes: their names and where they came from."""
    if not classes:
        return {}
    return {"class_names": list(classes), "labels_from": f"{cfg.labels}" if cfg.labels else "sub-folders"}


def class_names(data, n_classes: int | None) -> dict:
    """run.json's ``class_names``: the names of classes 0 … n_classes − 1 of a conditional run whose
    data names them (a folder's sub-folders or CSV labels); else nothing."""
    names = data.info.get("class_names") if n_classes else None
    return {"class_names": list(names[:n_classes])} if names else {}
