"""The layers import one way only, under the one import name ``jax_zoo``: ``jax_zoo.models`` ->
jax/flax; ``jax_zoo.train`` -> never the models or the rest of the zoo; nothing imports the
folders by their own names (``models``, ``train``, ``zoo``), which a user's files would shadow."""

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDER_OF_LAYER = {"models": "models", "train": "train", "zoo": "zoo"}
FORBIDDEN = {"models": {"train", "zoo"}, "train": {"models", "zoo"}}
SHADOWABLE = {"models", "train", "zoo"}
PYTHON_SOURCES = [ROOT / folder for folder in ("models", "train", "zoo", "tests", "benchmarks", "notebooks")]


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def layer_of(module: str) -> str | None:
    """``models``, ``train`` or ``zoo`` for a module of ours, else None (a third-party module)."""
    pieces = module.split(".")
    if pieces[0] != "jax_zoo":
        return None
    return pieces[1] if len(pieces) > 1 and pieces[1] in ("models", "train") else "zoo"


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_run_one_way(layer):
    violations = {
        str(path.relative_to(ROOT)): sorted({layer_of(m) for m in imported_modules(path)} & FORBIDDEN[layer])
        for path in (ROOT / FOLDER_OF_LAYER[layer]).rglob("*.py")
    }
    assert {path: bad for path, bad in violations.items() if bad} == {}


def test_models_import_only_jax_and_flax():
    third_party = set()
    for path in (ROOT / "models").rglob("*.py"):
        third_party |= {m.split(".")[0] for m in imported_modules(path) if layer_of(m) is None}
    assert third_party - {"functools", "dataclasses", "typing", "collections"} <= {"jax", "flax"}


def test_nothing_imports_a_folder_by_a_name_a_users_file_would_shadow():
    found = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] in SHADOWABLE)
        for folder in PYTHON_SOURCES for path in folder.rglob("*.py")
    }
    assert {path: names for path, names in found.items() if names} == {}


# Inside zoo/: the core knows nothing above it; datasets know the core; entries add models and
# train; api (build, train, restore, ...) runs any registered entry without importing one; the
# command line sits on top. No folder imports one above it.
ZOO_PARTS = ["core", "datasets", "entries", "api", "port", "baselines", "bench", "cli"]
ZOO_FORBIDDEN = {
    "core": {"datasets", "entries", "api", "baselines", "bench", "cli"},
    "datasets": {"entries", "api", "baselines", "bench", "cli"},
    "entries": {"api", "baselines", "bench", "cli"},
    "api": {"entries", "port", "baselines", "bench", "cli"},
    "port": {"entries", "baselines", "bench", "cli"},
    "baselines": {"entries", "bench", "cli"},
    "bench": {"entries", "baselines", "cli"},
    "cli": set(),
}


def imported_zoo_parts(path: Path) -> set[str]:
    parts = set()
    for name in imported_modules(path):
        pieces = name.split(".")
        if pieces[0] == "jax_zoo" and len(pieces) > 1 and pieces[1] in ZOO_PARTS:
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


def test_every_package_folder_is_installed_under_jax_zoo():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for top in ("models", "train", "zoo") for path in (ROOT / top).rglob("__init__.py")
    }
    installed = {
        package: next(
            f"{folder}{package.removeprefix(name)}".replace(".", "/").replace("/", ".")
            for name, folder in sorted(setuptools["package-dir"].items(), key=lambda item: -len(item[0]))
            if package == name or package.startswith(f"{name}.")
        )
        for package in setuptools["packages"]
    }
    assert sorted(installed.values()) == sorted(folders)
