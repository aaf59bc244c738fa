"""Drawing primitives: sample grids (``grid.py``), StyleGAN's pictures (``style_pictures.py``),
the curves' layout (``charts.py``), the HTML page template (``page.py``, ``static/``), reading
metrics.jsonl as it grows (``metrics_tail.py``) and ``save_figure``. The viewers of whole runs
(the report, the live page) are in ``ganforge.viewers``; nothing here imports them but
``report.py``, an alias kept for benchmarks/bench_viz.py."""

from pathlib import Path


def save_figure(fig, path: Path, *, dpi: int = 100, title: str | None = None, tight_layout: bool = False,
                bbox_tight: bool = False) -> Path:
    """Title, lay out, write (creating the folder) and close a matplotlib figure; returns ``path``."""
    import matplotlib.pyplot as plt

    if title:
        fig.suptitle(title, fontsize=10)
    if tight_layout:
        fig.tight_layout()
    from ..run_dir import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip(".").lower() or "png", dpi=dpi,
                    **({"bbox_inches": "tight"} if bbox_tight else {}))
    plt.close(fig)
    return path
