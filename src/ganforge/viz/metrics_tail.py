"""Reading ``metrics.jsonl`` while a run may still be writing it.

A line is taken only once it ends in a newline (the trainer writes whole lines, but a reader
can catch one half-written); a line cut by a crash is skipped rather than failing the page.
A resumed run writes steps again from its checkpoint: a record whose step is not past the
last one replaces everything from that step on, as ``read_metrics`` does for a finished file.
"""

from __future__ import annotations

import json
from pathlib import Path


class MetricsTail:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.records: list[dict] = []
        self.generation = 0  # bumped whenever earlier records were replaced (a resume, a new file)
        self._offset = 0
        self._partial = b""

    def update(self) -> bool:
        """Read what was appended since the last call; True when anything changed."""
        try:
            size = self.path.stat().st_size
        except OSError:
            return False
        if size < self._offset:  # the file was replaced: start over
            self._offset, self._partial, self.records = 0, b"", []
            self.generation += 1
        if size == self._offset:
            return False
        with open(self.path, "rb") as f:
            f.seek(self._offset)
            chunk = f.read(size - self._offset)
        self._offset += len(chunk)
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        changed = False
        for line in lines:
            record = _parse(line)
            if record is not None:
                self._add(record)
                changed = True
        return changed

    def _add(self, record: dict) -> None:
        step = record["step"]
        if self.records and step <= self.records[-1]["step"]:
            self.records = [r for r in self.records if r["step"] < step]
            self.generation += 1
        self.records.append(record)


def _parse(line: bytes) -> dict | None:
    """One record of a metrics file, or None for a line that is not one (a run's files are not
    trusted: NaN and ±Infinity read as null, as the trainer writes them; nesting too deep for the
    parser is skipped)."""
    try:
        record = json.loads(line, parse_constant=lambda _: None)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("step"), int):
        return None
    return record


def read_records(path: Path) -> list[dict]:
    """Every complete record of a metrics file (a finished or running run)."""
    tail = MetricsTail(path)
    tail.update()
    return tail.records
