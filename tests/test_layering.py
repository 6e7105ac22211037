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
