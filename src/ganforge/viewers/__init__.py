"""Viewers of whole runs: the self-contained HTML report (``report.py``, ``ganforge report``)
and the live page (``live.py``, ``ganforge watch`` and ``train --live``), with what both read from
a run directory (``run_contents.py``) and the live page's 2-D field picture (``live_field.py``).
They sit above the lab and ``ganforge.runs``; their drawing primitives (sample grids, charts, the
page template, the metrics tail) are in ``ganforge.viz``."""
