"""Where benchmarks/bench_viz.py still finds ``write_report``; the report is a viewer of whole
runs and lives in ``ganforge.viewers.report``. Delete this module once bench_viz.py imports it
from there (see tests/test_layers.py, KNOWN_UPWARD_IMPORTS)."""

from ..viewers.report import write_report  # noqa: F401
