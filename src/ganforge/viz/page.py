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


def script_json(value) -> str:
    """JSON safe inside a <script> element: no ``</`` can close it early."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
