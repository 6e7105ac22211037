"""A griffe extension: ``jax_zoo.models`` and ``jax_zoo.train`` as members of ``jax_zoo``.

pyproject.toml installs three folders as one package (``zoo/`` as ``jax_zoo``, ``models/`` as
``jax_zoo.models``, ``train/`` as ``jax_zoo.train``, setuptools' ``package-dir``). Griffe reads
a package from one folder, so it finds ``zoo/`` alone; this extension reads the other two folders
into the same tree, where mkdocstrings can then resolve ``jax_zoo.train.make_train_step``.
"""

import importlib.util
from pathlib import Path

import griffe

SUBPACKAGES = ("models", "train")


def _visit(loader: griffe.GriffeLoader, name: str, path: Path, parent: griffe.Module) -> griffe.Module:
    code = path.read_text(encoding="utf-8")
    loader.lines_collection[path] = code.splitlines()
    module = griffe.visit(
        name, path, code, parent=parent, extensions=loader.extensions, docstring_parser=loader.docstring_parser,
        docstring_options=loader.docstring_options, lines_collection=loader.lines_collection,
        modules_collection=loader.modules_collection,
    )
    parent.set_member(name, module)
    return module


class SplitPackages(griffe.Extension):
    """Adds ``models/`` and ``train/`` (flat folders of modules) to the loaded ``jax_zoo``."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs) -> None:
        if pkg.name != "jax_zoo":
            return
        for name in SUBPACKAGES:
            folder = Path(importlib.util.find_spec(f"jax_zoo.{name}").origin).parent
            subpackage = _visit(loader, name, folder / "__init__.py", pkg)
            for path in sorted(folder.glob("*.py")):
                if path.stem != "__init__":
                    _visit(loader, path.stem, path, subpackage)
