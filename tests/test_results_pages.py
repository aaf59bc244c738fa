"""The results pages' helpers in benchmarks/ (the pages themselves are written by the benchmarks)."""
import importlib
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_a_machine_kind_with_amx_gets_a_column_of_its_own():
    """An Intel Xeon with AMX and one without are different kinds: their 'min alone' columns must not share a header."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        short_machine = importlib.import_module("mnist_presets").short_machine
    finally:
        sys.path.remove(str(BENCHMARKS))
    names = [short_machine(f"a 2-core {m}, no GPU") for m in
             ("Intel Xeon without AMX", "Intel Xeon with AMX", "AMD EPYC without AMX")]
    assert names == ["Intel Xeon", "Intel Xeon with AMX", "AMD EPYC"]
    assert short_machine("an H100 host") == "an H100 host"  # a machine not in this form keeps its words
