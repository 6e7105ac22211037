"""The layers import one way only: models -> jax/flax; train -> never models/zoo."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {"models": {"train", "zoo"}, "train": {"models", "zoo"}}


def imported_packages(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_run_one_way(layer):
    violations = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[layer])
        for path in (ROOT / layer).rglob("*.py")
    }
    assert {path: bad for path, bad in violations.items() if bad} == {}


def test_models_import_only_jax_and_flax():
    third_party = set()
    for path in (ROOT / "models").rglob("*.py"):
        third_party |= imported_packages(path) - {"models", "functools", "dataclasses", "typing", "collections"}
    assert third_party <= {"jax", "flax"}


# Inside zoo/: the core knows nothing above it; datasets know the core; entries add models and
# train; jobs (build, train, restore, ...) run any registered entry without importing one; the
# command line sits on top. No folder imports one above it.
ZOO_PARTS = ["core", "datasets", "entries", "jobs", "port", "baselines", "bench", "cli"]
ZOO_FORBIDDEN = {
    "core": {"datasets", "entries", "jobs", "baselines", "bench", "cli"},
    "datasets": {"entries", "jobs", "baselines", "bench", "cli"},
    "entries": {"jobs", "baselines", "bench", "cli"},
    "jobs": {"entries", "port", "baselines", "bench", "cli"},
    "port": {"entries", "baselines", "bench", "cli"},
    "baselines": {"entries", "bench", "cli"},
    "bench": {"entries", "baselines", "cli"},
    "cli": set(),
}


def imported_zoo_parts(path: Path) -> set[str]:
    parts = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            pieces = name.split(".")
            if pieces[0] == "zoo" and len(pieces) > 1 and pieces[1] in ZOO_PARTS:
                parts.add(pieces[1])
    return parts


@pytest.mark.parametrize("part", ZOO_PARTS)
def test_zoo_parts_import_only_downwards(part):
    violations = {
        str(path.relative_to(ROOT)): sorted(imported_zoo_parts(path) & ZOO_FORBIDDEN[part])
        for path in (ROOT / "zoo" / part).rglob("*.py")
    }
    assert {path: bad for path, bad in violations.items() if bad} == {}


def test_every_zoo_folder_has_a_place_in_the_layers():
    folders = {path.name for path in (ROOT / "zoo").iterdir() if path.is_dir() and (path / "__init__.py").exists()}
    assert folders <= set(ZOO_PARTS)
