"""The import rules of ``src/ganforge``, checked from the source (``ast``, no imports run).

Every import counts: at module level, inside functions (lazy ones), relative ones resolved; an
import of ``a.b.c`` also runs the packages ``a.b`` and ``a`` above it, so it counts as importing
them too. Two rules:

1. No circles: no module reaches itself through imports.
2. Layers: each module belongs to one layer of ``LAYERS`` (the longest prefix that names it
   decides) and imports only modules of its own layer or lower ones. Data flows down, calls go
   down; a lower layer that needs something from a higher one takes it as an argument (as
   ``runs.launch.train`` takes the live page from ``api.train``), never by importing it.

A new module needs no entry when its package has one; a new top-level module or package must be
placed here. ``from ganforge import __version__`` is allowed anywhere (the package root is always
initialised before its modules, and ``__version__`` is set before it imports anything).

``KNOWN_UPWARD_IMPORTS`` lists the few upward imports that remain until a file the table's
author could not change is changed; each says which change removes it. The test fails when one
of them is no longer there, so that the list only shrinks.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "ganforge"

# (layer, module prefixes): lowest first.
LAYERS = [
    (0, ["ganforge.errors", "ganforge.registry", "ganforge.config", "ganforge.run_dir"]),  # the base
    (1, ["ganforge.nn", "ganforge.losses", "ganforge.penalties", "ganforge.data", "ganforge.augment"]),  # pure pieces, data sets, augmentation
    (2, ["ganforge.models", "ganforge.theory", "ganforge.viz"]),  # networks, the theory in torch, drawing primitives
    (3, ["ganforge.training"]),  # the trainer
    (4, ["ganforge.recipes"]),  # one file per GAN variant
    (5, ["ganforge.runs"]),  # start, resume, read and load a run directory
    # tools over runs (``ganforge.metrics`` exports the run evaluator, ``metrics.runner``)
    (6, ["ganforge.lab", "ganforge.metrics", "ganforge.translate", "ganforge.sample_file"]),
    (7, ["ganforge.viewers"]),  # viewers of whole runs: the report, the live page
    (8, ["ganforge.api"]),  # ganforge.train (with its live page), ganforge.load
    (9, ["ganforge", "ganforge.cli", "ganforge.bench"]),  # entry points and the package root
]

# module -> a higher module it may still import while a move is under way (with the change that
# removes the allowance); empty: keep it so.
KNOWN_UPWARD_IMPORTS: dict[str, str] = {}


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _known(name: str, mods: dict) -> str | None:
    """The module ``name`` runs: itself, or the module that defines the attribute it names."""
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def _imported(module: str, path: Path, mods: dict) -> set[str]:
    """The package's modules that ``module`` imports, anywhere in its text."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            if base == PACKAGE and all(a.name == "__version__" for a in node.names):
                continue
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
        else:
            continue
        for name in names:
            target = _known(name, mods) if name.split(".")[0] == PACKAGE else None
            while target and target != PACKAGE:
                if target != module and not module.startswith(target + "."):  # own packages ran already
                    out.add(target)
                target = target.rpartition(".")[0]
            if target == PACKAGE and name == PACKAGE:
                out.add(PACKAGE)
    return out


@functools.cache
def import_graph() -> dict[str, set[str]]:
    mods = modules()
    return {m: _imported(m, p, mods) for m, p in mods.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def layer_of(module: str) -> int | None:
    best = None
    for layer, prefixes in LAYERS:
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > len(best[1])):
                best = (layer, prefix)
    return None if best is None else best[0]


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted((m, t) for m, targets in graph.items() for t in targets if layer_of(t) > layer_of(m))


def test_no_import_circles():
    found = circles(import_graph())
    assert not found, "import circles among src/ganforge modules:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_every_module_has_a_layer():
    missing = [m for m in import_graph() if layer_of(m) is None]
    assert not missing, f"modules without a layer (add their prefix to LAYERS): {missing}"


def _allowed(module: str, target: str) -> bool:
    """Listed in KNOWN_UPWARD_IMPORTS (with the packages that the listed import runs)."""
    known = KNOWN_UPWARD_IMPORTS.get(module)
    return known is not None and (known == target or known.startswith(target + "."))


def test_imports_go_down_the_layers():
    bad = [(m, t) for m, t in upward_imports(import_graph()) if not _allowed(m, t)]
    assert not bad, "imports from a lower layer into a higher one (see LAYERS):\n" + "\n".join(
        f"{m} (layer {layer_of(m)}) imports {t} (layer {layer_of(t)})" for m, t in bad)


def test_known_upward_imports_are_still_there():
    present = set(upward_imports(import_graph()))
    stale = [(m, t) for m, t in KNOWN_UPWARD_IMPORTS.items() if (m, t) not in present]
    assert not stale, f"no longer imported upward: remove them from KNOWN_UPWARD_IMPORTS: {stale}"
