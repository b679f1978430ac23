"""Imports follow the layers and never go round in a circle.

Every import of every module of the five packages is read with ``ast``, including
imports inside functions and ``TYPE_CHECKING`` blocks. Layers, bottom to top:

* ``domain``: ``sensing.errors``, ``sensing.body``, ``sensing.recording`` (domain facts
  and the sample type; ``sensing.recording`` checks locations against ``sensing.body``)
  and ``sensing.lazy`` (how a package loads its public names on first use);
* ``sensing`` (the rest: readers, BLE, storage, emulator, exchange formats) and beside it
  ``simulation``, which may import sensing but never detection, analysis or hypnic;
* ``detection``: only the domain modules of sensing, never sensing I/O or analysis;
* ``analysis``: never ``sensing.ble`` or ``sensing.emulator``;
* ``workflows``: ``hypnic.workflows`` (and ``hypnic._version``);
* ``cli``: the rest of ``hypnic`` (commands, CLI, the front door, whose imports are lazy).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sensing", "simulation", "detection", "analysis", "hypnic")

#: Layer -> its rank and the module prefixes in it (the longest prefix decides).
LAYERS: dict[str, tuple[int, tuple[str, ...]]] = {
    "domain": (0, ("sensing.errors", "sensing.body", "sensing.recording", "sensing.lazy")),
    "sensing": (1, ("sensing",)),
    "simulation": (1, ("simulation",)),
    "detection": (2, ("detection",)),
    "analysis": (3, ("analysis",)),
    "workflows": (4, ("hypnic.workflows", "hypnic._version")),
    "cli": (5, ("hypnic",)),
}

def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = _modules()


def _target(name: str) -> str | None:
    """The module of ours that ``name`` (a module or an attribute of one) is."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path) -> set[tuple[str, int]]:
    """(module of ours, line) of every import in a module, at any depth."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1 packages
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            names = [f"{base}.{a.name}" for a in node.names]  # a submodule, or a name in base
        else:
            continue
        for name in names:
            target = _target(name)
            if target and target != module:
                found.add((target, node.lineno))
    return found


GRAPH = {m: _imports(m, p) for m, p in MODULES.items()}


def layer(module: str) -> str:
    """The layer a module belongs to."""
    best = max(((len(prefix), name) for name, (_, prefixes) in LAYERS.items() for prefix in prefixes
                if module == prefix or module.startswith(prefix + ".")), default=None)
    assert best, f"{module} is in no layer"
    return best[1]


def _why_not(importer: str, imported: str) -> str | None:
    """The rule an import breaks, or None."""
    a, b = layer(importer), layer(imported)
    if LAYERS[b][0] > LAYERS[a][0]:
        return f"{a} may not import the higher layer {b}"
    if {a, b} == {"sensing", "simulation"} and a == "sensing":
        return "sensing may not import simulation (simulation sits beside sensing, above its I/O)"
    if a == "detection" and b not in ("domain", "detection"):
        return "detection may import only the domain modules of sensing"
    if a == "analysis" and imported.startswith(("sensing.ble", "sensing.emulator")):
        return "analysis may not touch Bluetooth"
    return None


def _edges() -> set[tuple[str, str]]:
    return {(m, t) for m, targets in GRAPH.items() for t, _ in targets}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_every_module_is_in_a_layer():
    assert len(MODULES) > 50
    for module in MODULES:
        layer(module)


def test_no_import_goes_up_a_layer_or_breaks_a_rule():
    bad = [f"{m}:{line} imports {t}: {why}" for m, targets in GRAPH.items() for t, line in sorted(targets)
           if (why := _why_not(m, t))]
    assert not bad, "\n".join(bad)


def test_no_import_cycle_between_modules():
    graph: dict[str, set[str]] = defaultdict(set)
    for m, t in _edges():
        graph[m].add(t)
    assert not _cycles(graph)


def test_no_import_cycle_between_layers_or_packages():
    graph: dict[str, set[str]] = defaultdict(set)
    for m, t in _edges():
        if layer(m) != layer(t):
            graph[layer(m)].add(layer(t))
        if m.split(".")[0] != t.split(".")[0]:
            graph[m.split(".")[0]].add(t.split(".")[0])
    assert not _cycles(graph)


def test_the_checker_sees_what_it_must():
    """Imports inside functions and relative imports are found; the rules catch an upward
    import and a cycle."""
    assert ("hypnic.workflows.night", "detection") in _edges()  # imported inside process_night
    assert _why_not("detection.night", "sensing.readers")
    assert _why_not("sensing.readers", "simulation")
    assert _why_not("simulation.night", "detection")
    assert _why_not("analysis.report", "sensing.ble.reader")
    assert _why_not("analysis.nights", "hypnic.workflows.night")
    assert not _why_not("simulation.night", "sensing.readers")
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
