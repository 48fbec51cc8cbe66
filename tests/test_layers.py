"""The house of izh_brian: a lower floor never imports a higher one, and the package never guards
against its own modules being missing.

Each module of the package sits on a floor (drawn in docs/ARCHITECTURE.md). A module may import modules
of its own floor and of the floors below, at module level or inside a function alike. A guard such as
``try: from . import patterns / except ImportError`` turns a renamed function into a silently missing
report section; so an ``except ImportError`` may only guard third-party packages.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "izh_brian"

#: floor -> modules (dotted, without the "izh_brian." prefix); from the ground up. A subpackage's own
#: ``__init__`` is named by the subpackage ("analysis"); importing ``analysis.features`` also runs
#: ``analysis/__init__.py``, so an import counts at the floor of every package it passes through
#: (the root package excepted: it is the public facade, imported by everything).
FLOORS = {
    0: ("jsonutil", "limits", "stimuli", "cli.types", "analysis.spiketrains", "analysis.tolerances", "plotting.axes",
        "plotting.neurons", "plotting.tables", "plotting.maps", "report.transcription", "teaching",
        "network.analysis"),
    1: ("model", "model.*", "parallel"),
    2: ("presets",),
    3: ("simulation", "analysis.phaseplane", "network.netm", "lems", "lems.*", "__init__"),
    4: ("analysis", "analysis.features", "analysis.validators", "analysis.classify", "network", "network.build",
        "interop", "interop.*", "plotting", "plotting.network"),
    5: ("teaching.check", "analysis.numerics", "atlas", "network.standalone", "fitting", "fitting.*"),
    6: ("report", "report.*", "teaching.exercises", "teaching.exercises.*"),
    7: ("course", "course.*"),
    8: ("cli", "cli.*"),
}


def _floor_of(name: str) -> int:
    for floor, names in FLOORS.items():
        for pat in names:
            if name == pat or (pat.endswith("*") and name.startswith(pat[:-1])):
                return floor
    raise KeyError(name)


def _floor_through(target: str, importer: str = "") -> int:
    """The floor an import of ``target`` really stands on: its own, or that of a package ``__init__`` it runs
    (packages that contain the importer have run already and do not count)."""
    parts = target.split(".")
    prefixes = [".".join(parts[:k]) for k in range(1, len(parts) + 1)]
    return max(_floor_of(p) for p in prefixes if p == target or not importer.startswith(p + "."))


def _modules():
    for p in sorted(PKG.rglob("*.py")):
        rel = p.relative_to(PKG).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        yield ".".join(parts), p


def _imports(name: str, path: Path):
    """(line, imported module) for every import of the package's own modules in ``path``."""
    pkg = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
    if name == "__init__":
        pkg = []
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[: len(pkg) - (node.level - 1)] if node.level > 1 else pkg
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").startswith("izh_brian"):
                target = node.module[len("izh_brian"):].lstrip(".")
            else:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}" if target else alias.name
                known = (PKG / Path(*sub.split("."))).with_suffix(".py").exists() or (PKG / Path(*sub.split("."))).is_dir()
                yield node.lineno, (sub if known else target) or "__init__"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("izh_brian"):
                    yield node.lineno, alias.name[len("izh_brian"):].lstrip(".") or "__init__"


MODULES = list(_modules())


@pytest.mark.parametrize("name,path", MODULES, ids=[m for m, _ in MODULES])
def test_no_lower_floor_imports_a_higher_one(name, path):
    """Every module has a floor, and imports nothing from a floor above its own."""
    floor = _floor_of(name)
    bad = [f"line {line}: {target} (floor {_floor_through(target, name)})" for line, target in _imports(name, path)
           if _floor_through(target, name) > floor and not name.startswith(target + ".")]
    assert not bad, f"izh_brian.{name} (floor {floor}) imports from above: {bad}"


def test_the_layer_check_catches_an_upward_import(tmp_path):
    """The check itself: model (floor 1) importing the validators (floor 4) is reported, and so is a floor-0
    module importing a floor-0 module of a package whose ``__init__`` stands higher."""
    fake = tmp_path / "schemes.py"
    fake.write_text("from izh_brian.analysis.validators import validate\n")
    assert [t for _, t in _imports("model.schemes", fake)] == ["analysis.validators"]
    assert _floor_through("analysis.validators") > _floor_of("model.schemes")
    assert _floor_of("analysis.spiketrains") == 0 and _floor_through("analysis.spiketrains") == 4


@pytest.mark.parametrize("name,path", MODULES, ids=[m for m, _ in MODULES])
def test_no_guard_against_own_modules(name, path):
    """No ``try/except ImportError`` (or ModuleNotFoundError) wraps an import of the package's own modules."""
    tree = ast.parse(path.read_text())
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        catches = {getattr(h.type, "id", None) for h in node.handlers} | {
            getattr(e, "id", None) for h in node.handlers if isinstance(h.type, ast.Tuple) for e in h.type.elts}
        if not catches & {"ImportError", "ModuleNotFoundError"}:
            continue
        for sub in node.body:
            for inner in ast.walk(sub):
                if isinstance(inner, ast.ImportFrom) and (inner.level or (inner.module or "").startswith("izh_brian")):
                    bad.append(inner.lineno)
                if isinstance(inner, ast.Call) and getattr(inner.func, "attr", "") == "import_module":
                    bad.append(inner.lineno)
    assert not bad, f"izh_brian.{name}: own modules imported under an ImportError guard at lines {bad}"


def test_architecture_doc_names_every_module():
    """docs/ARCHITECTURE.md draws every module (a new module must be placed on a floor there)."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    missing = [m for m, p in MODULES if m not in ("__init__",) and p.stem + ".py" not in text
               and m.split(".")[-1] + "/" not in text and not (m.startswith("teaching.exercises") and "exercises/" in text)]
    assert not missing, f"docs/ARCHITECTURE.md does not mention: {missing}"


@pytest.mark.parametrize("name,path", MODULES, ids=[m for m, _ in MODULES])
def test_own_modules_are_imported_at_module_top(name, path):
    """Imports of the package's own modules stand at the top of the module, where a reader sees them,
    never inside a function (function-local imports are kept for optional third-party packages)."""
    tree = ast.parse(path.read_text())
    bad = []
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(fn):
                if isinstance(inner, ast.ImportFrom) and (inner.level or (inner.module or "").startswith("izh_brian")):
                    bad.append(inner.lineno)
                elif isinstance(inner, ast.Import) and any(a.name.startswith("izh_brian") for a in inner.names):
                    bad.append(inner.lineno)
    assert not bad, f"izh_brian.{name}: own modules imported inside functions at lines {bad}"
