"""One HTML page from a template in ``viz/static`` with everything inlined: the style sheet, the
scripts and the page's data, so a page needs no other file and no network."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

_SLOT = re.compile(r"\{\{(\w+)\}\}")


@lru_cache(maxsize=None)
def asset(name: str) -> str:
    """The text of ``viz/static/NAME`` (package data)."""
    return resources.files("ganforge.viz").joinpath("static", name).read_text(encoding="utf-8")


def render_page(template: str, *, script: str, data: dict | None = None, **slots: str) -> str:
    """Fill ``template``'s ``{{slot}}`` markers: the style sheet, the chart code, the page's own
    ``script``, its ``data`` as JSON, and the given HTML ``slots``. An unfilled slot is a bug."""
    values = {"style": asset("style.css"), "charts_js": asset("charts.js"), "page_js": asset(script),
              "data": script_json(data or {}), **slots}

    def fill(match: re.Match) -> str:
        return values[match.group(1)]

    return _SLOT.sub(fill, asset(template))


_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                              "\u2029": "\\u2029"})


def script_json(value) -> str:
    """JSON safe inside a <script> element: ``<``, ``>`` and ``&`` (which could close the element or
    open a comment) and U+2028/9 (line ends to older JavaScript) written as escapes, which JSON
    reads back as the same characters."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False).translate(_SCRIPT_SAFE)
