"""``ganforge report RUN``: one self-contained HTML file of a run.

The recipe with its paper and deviations, the curves, the sample grids over time with a
slider, the eval cards, the lab's figures, per-class / per-code grids, the resolved config.
Images are inlined as data URIs and the page carries a Content-Security-Policy that forbids
every request, so the file opens from disk anywhere and never touches the network.
"""

from __future__ import annotations

import base64
import html
import io
import time
from pathlib import Path

from ..errors import GanforgeError
from ..run_dir import atomic_write, run_path
from ..viz.charts import chart_layout, numeric_keys
from ..viz.metrics_tail import read_records
from ..viz.page import render_page
from .run_contents import RunFiles, is_probabilistic, open_run, recipe_of

MAX_WARNINGS = 20


def write_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of ``run_dir`` (default ``RUN/report.html``); returns its path."""
    run = open_run(run_dir)
    records = read_records(run.metrics)
    if not records:
        raise GanforgeError(f"{run.root} has no metrics yet (metrics.jsonl is missing or empty): the run has not "
                            f"reached its first log interval (train.log_every); report it once it has")
    path = Path(out) if out is not None else run_path(run.root, "report.html")
    text = build_report(run, records)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def build_report(run: RunFiles, records: list[dict]) -> str:
    config, meta = run.config(), run.meta()
    recipe = recipe_of(config)
    data = {
        "layout": chart_layout(numeric_keys(records), probabilistic=is_probabilistic(config)),
        "records": [{k: v for k, v in r.items() if _is_number(v) or (k == "health" and isinstance(v, str))}
                    for r in records],
        "grids": [{"step": step, "src": data_uri(png)} for step, path in run.grids() if (png := run.png(path))],
    }
    name = config.get("recipe", "?")
    return render_page(
        "report.html", script="report.js", data=data,
        title=_e(f"ganforge report: {name} — {run.root.name}"),
        header=_header(run, config, records, recipe),
        recipe=_recipe_section(recipe, config),
        warnings=_warnings(records) + _health(records),
        grids_note="" if data["grids"] else '<p class="muted">no sample grids in samples/ yet</p>',
        class_grids=_class_grids(run, meta, config),
        eval=_eval_table(run.eval_cards()) + _memo_pairs(run),
        lab=_lab_section(run),
        config=_e(run.config_text()),
        run_info=_run_info(meta),
    )


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _is_number(v) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))


def _header(run: RunFiles, config: dict, records: list[dict], recipe) -> str:
    title = recipe.title if recipe is not None else config.get("recipe", "unknown recipe")
    data = config.get("data", {}).get("name", "?") if isinstance(config.get("data"), dict) else "?"
    total = run.total_steps()
    steps = f"step {records[-1]['step']:,}" + (f" of {total:,}" if total else "")
    written = time.strftime("%Y-%m-%d %H:%M", time.localtime())
    return (f"<h1>{_e(title)} on {_e(data)}</h1><div class=\"sub\">{_e(run.root.name)} · {_e(steps)} · "
            f"report written {_e(written)}</div>")


def _recipe_section(recipe, config: dict) -> str:
    if recipe is None:
        return f"<p class=\"muted\">recipe {_e(config.get('recipe'))} is not registered in this ganforge</p>"
    parts = [f"<p><b>{_e(recipe.name)}</b>: {_e(recipe.paper)} — <a href=\"{_e(recipe.url)}\">{_e(recipe.url)}</a></p>"]
    used = config.get("recipe_args") if isinstance(config.get("recipe_args"), dict) else {}
    if recipe.args:
        rows = "".join(f"<tr><td>{_e(k)}</td><td>{_e(used.get(k, v))}</td><td>{_e(v)}</td></tr>"
                       for k, v in recipe.args.items())
        parts.append(f"<table><tr><th>recipe_args</th><th>this run</th><th>default</th></tr>{rows}</table>")
    if recipe.deviations:
        items = "".join(f"<li>{_e(d)}</li>" for d in recipe.deviations)
        parts.append(f"<h3>Deviations from the paper</h3><ul id=\"deviations\">{items}</ul>")
    if recipe.sources:
        rows = "".join(f"<tr><td>{_e(what)}</td><td>{_e(where)}</td></tr>" for what, where in recipe.sources.items())
        parts.append(f"<details><summary>Where every number comes from</summary><table>{rows}</table></details>")
    return "".join(parts)


def _warnings(records: list[dict]) -> str:
    found = [(r["step"], r["warning"]) for r in records if isinstance(r.get("warning"), str)]
    if not found:
        return ""
    items = "".join(f"<li>step {step:,}: {_e(text)}</li>" for step, text in found[-MAX_WARNINGS:])
    more = f" (the last {MAX_WARNINGS} of {len(found)})" if len(found) > MAX_WARNINGS else ""
    return f"<h3 class=\"warning\">Warnings{more}</h3><ul class=\"warning\">{items}</ul>"


def _health(records: list[dict]) -> str:
    """The evaluations' health states where they change (training/health.py): step, state, advice."""
    rows, last = [], None
    for r in records:
        state = r.get("health")
        if isinstance(state, str) and state != last:
            rows.append(f"<tr class=\"{'healthy' if state == 'healthy' else 'warning'}\"><td class=\"num\">"
                        f"{_number(r.get('step'))}</td><td>{_e(state)}</td><td>{_e(r.get('advice', ''))}</td></tr>")
            last = state
    if not rows:
        return ""
    return ("<h3>Health</h3><table id=\"health\"><tr><th>step</th><th>state</th><th>advice</th></tr>"
            f"{''.join(rows[-MAX_WARNINGS:])}</table><p class=\"muted\">each change of state; every evaluation's "
            "row is in metrics.jsonl (docs/health.md)</p>")


def _figure(src: str, caption: str) -> str:
    return f"<figure><img src=\"{src}\" alt=\"{_e(caption)}\"><figcaption>{_e(caption)}</figcaption></figure>"


def _class_grids(run: RunFiles, meta: dict, config: dict) -> str:
    """Conditional runs: one row per class; InfoGAN runs: a sweep per continuous code
    (from the last checkpoint; skipped, with a note, when there is none)."""
    conditional = bool(config.get("conditional")) and meta.get("n_classes")
    codes = config.get("codes") or []
    if meta.get("data_kind", "image") != "image" or not (conditional or codes):
        return ""
    from ..runs.load import load
    from ..viz.grid import grid_image

    try:
        G = load(run.root)
    except GanforgeError as err:
        return f"<section id=\"class-grids\"><h2>Per-class and per-code samples</h2><p class=\"muted\">{_e(err)}</p></section>"
    pictures = []
    if G.n_classes:
        import torch

        cols = 8
        x = G.sample(G.n_classes * cols, seed=0, y=torch.arange(G.n_classes).repeat_interleave(cols))
        pictures.append(_figure(_png_uri(grid_image(x, nrow=cols)), f"one row per class (0–{G.n_classes - 1}), "
                                                                    f"step {G.step:,}"))
    for name in [c.name for c in G.latent.continuous] or ([None] if G.latent.codes else []):
        x, cols = G.code_sweep(name, seed=0)
        caption = f"rows: categorical code; columns: {name} from −2 to 2" if name else "one row per categorical value"
        pictures.append(_figure(_png_uri(grid_image(x, nrow=cols)), caption))
    return (f"<section id=\"class-grids\"><h2>Per-class and per-code samples</h2>"
            f"<div class=\"pictures\">{''.join(pictures)}</div></section>")


def _png_uri(image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return data_uri(buffer.getvalue())


_EVAL_COLUMNS = ("metric", "value", "std", "n_generated", "n_reference", "reference", "features", "step", "created")
_NUMERIC_COLUMNS = {"value", "n_generated", "n_reference", "step"}


def _eval_table(cards: list[dict]) -> str:
    if not cards:
        return "<p class=\"muted\">no eval.jsonl yet: <code>ganforge eval RUN</code> measures the run</p>"
    head = "".join(f"<th>{c}</th>" for c in _EVAL_COLUMNS)
    rows = []
    for card in cards:
        cells = _eval_cells(card)
        row = "".join(f"<td class=\"num\">{_e(cells[c])}</td>" if c in _NUMERIC_COLUMNS else f"<td>{_e(cells[c])}</td>"
                      for c in _EVAL_COLUMNS)
        rows.append(f"<tr>{row}</tr>")
    return (f"<table id=\"eval-table\"><tr>{head}</tr>{''.join(rows)}</table>"
            "<p class=\"muted\">each row is one protocol card of eval.jsonl (the file holds every field)</p>")


def _eval_cells(card: dict) -> dict[str, str]:
    reference = card.get("reference") if isinstance(card.get("reference"), dict) else {}
    features = card.get("feature_net") if isinstance(card.get("feature_net"), dict) else {}
    generated = card.get("generated") if isinstance(card.get("generated"), dict) else {}
    where = ":".join(str(reference[k]) for k in ("dataset", "split") if reference.get(k)) or reference.get("images", "")
    return {"metric": card.get("metric", ""), "value": _number(card.get("value")),
            "std": _number(card.get("std")) + (f" ({card['std_kind']})" if card.get("std_kind") else ""),
            "n_generated": _number(card.get("n_generated")), "n_reference": _number(card.get("n_reference")),
            "reference": where, "features": features.get("name", ""), "step": _number(generated.get("step")),
            "created": card.get("created", "")}


def _number(v) -> str:
    if isinstance(v, bool) or v is None:
        return "" if v is None else str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _memo_pairs(run: RunFiles) -> str:
    """The memorisation metric's closest sample–training pairs, when ``ganforge eval --metrics memo``
    has drawn them."""
    png = run.png(run.root / "eval.memo-pairs.png")
    if png is None:
        return ""
    return _figure(data_uri(png), "memorisation: the samples nearest to a training image (top row) above "
                                  "those training images (bottom row), nearest first")


def _lab_section(run: RunFiles) -> str:
    figures = [(p, png) for p in run.lab_figures() if (png := run.png(p))]
    if not figures:
        return ""
    pictures = "".join(_figure(data_uri(png), f"lab/{p.name}") for p, png in figures)
    return f"<section id=\"lab\"><h2>The lab's figures</h2><div class=\"pictures\">{pictures}</div></section>"


def _run_info(meta: dict) -> str:
    keys = ["data_name", "data_kind", "data_shape", "n_examples", "n_classes", "sampler", "ema", "device",
            "world_size", "ganforge_version", "torch_version"]
    keys += sorted(k for k in meta if k.startswith("params_"))
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(_number(meta[k]))}</td></tr>" for k in keys if k in meta)
    return f"<table>{rows}</table>" if rows else "<p class=\"muted\">no run.json</p>"
