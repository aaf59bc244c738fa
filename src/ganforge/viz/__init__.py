"""Pictures of a run: sample grids (``grid.py``), the self-contained HTML report (``report.py``),
the live page (``live.py``) and the curves both draw (``charts.py``, ``static/``)."""

from pathlib import Path


def save_figure(fig, path: Path, *, dpi: int = 100, title: str | None = None, tight_layout: bool = False,
                bbox_tight: bool = False) -> Path:
    """Title, lay out, write (creating the folder) and close a matplotlib figure; returns ``path``."""
    import matplotlib.pyplot as plt

    if title:
        fig.suptitle(title, fontsize=10)
    if tight_layout:
        fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, **({"bbox_inches": "tight"} if bbox_tight else {}))
    plt.close(fig)
    return path
