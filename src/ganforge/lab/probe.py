"""Where ``recipes/base.py`` still finds the theory probe; it lives in ``ganforge.theory.probe``.
Delete this module once recipes/base.py imports ``..theory.probe`` (see tests/test_layers.py,
KNOWN_UPWARD_IMPORTS)."""

from ..theory.probe import TheoryProbe, default_probes  # noqa: F401
