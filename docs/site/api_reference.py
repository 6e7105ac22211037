"""The API reference pages: every name in the ``__all__`` of ``jax_zoo``, ``jax_zoo.models`` and
``jax_zoo.train``, rendered by mkdocstrings (signature, docstring, source), grouped by the module
that defines it.

The names come from each package's ``__all__`` at build time, so a new export appears without
editing a page, and one without a docstring stops the build (``undocumented``).
"""

import dataclasses
import importlib
import inspect

import griffe

from griffe_split_packages import SplitPackages

PAGES = {"jax_zoo": "api/jax_zoo.md", "jax_zoo.models": "api/models.md", "jax_zoo.train": "api/train.md"}
"""Package -> the page that documents its ``__all__``."""

MODULES = "Modules"
"""The last section of a page: the modules a package exports by name (``jax_zoo.train.xla_flags``)."""
HIDDEN_MEMBERS = ("setup",)
"""Public-looking members not rendered: Flax calls ``setup`` itself, a user never does."""


@dataclasses.dataclass(frozen=True)
class Documented:
    """One public name and what mkdocstrings renders for it."""

    public: str
    """The import path a user writes: ``jax_zoo.train.make_train_step``."""
    rendered: str
    """The path mkdocstrings renders: the public one, or where the object is defined when a
    submodule of the same name hides it from static analysis (``jax_zoo.train.fit`` is both)."""
    target: griffe.Object
    """The object itself (aliases followed)."""


def load_package() -> griffe.GriffeLoader:
    """``jax_zoo`` and its two sibling folders as griffe (and so mkdocstrings) sees them."""
    loader = griffe.GriffeLoader(extensions=griffe.load_extensions(SplitPackages()))
    loader.load("jax_zoo")
    return loader


def _defined_at(value) -> str | None:
    if inspect.ismodule(value):
        return value.__name__
    if (inspect.isclass(value) or inspect.isfunction(value)) and value.__module__.startswith("jax_zoo"):
        return f"{value.__module__}.{value.__qualname__}"
    return None


def public_names(loader: griffe.GriffeLoader, package: str) -> list[Documented]:
    """The ``__all__`` of ``package``, each resolved the way Python resolves it at run time."""
    module = importlib.import_module(package)
    collection = loader.modules_collection
    documented = []
    for name in module.__all__:
        public = f"{package}.{name}"
        defined = _defined_at(getattr(module, name))
        try:
            target = collection[public].final_target if collection[public].is_alias else collection[public]
        except (KeyError, griffe.AliasResolutionError):
            target = None
        if defined is not None and (target is None or target.path != defined):
            target, rendered = collection[defined], defined
        elif target is None:
            raise LookupError(f"{public} is in __all__, but not where the API reference looks for it (griffe)")
        else:
            rendered = public
        documented.append(Documented(public, rendered, target))
    return documented


def _public_members(obj: griffe.Object):
    for name, member in obj.members.items():
        if name.startswith("_") or name in HIDDEN_MEMBERS or member.is_alias:
            continue
        if obj.is_class and member.is_attribute:
            continue
        yield member


def undocumented(documented: list[Documented]) -> list[str]:
    """``path (file:line)`` of each rendered name without a docstring: the public names, the
    public methods of their classes and the public members of the modules they export."""
    missing = []

    def check(obj: griffe.Object, shown: str) -> None:
        if not obj.docstring or not obj.docstring.value.strip():
            missing.append(f"{shown} ({obj.relative_filepath}:{obj.lineno})")
        if obj.is_class or obj.is_module:
            for member in _public_members(obj):
                check(member, f"{shown}.{member.name}")

    for item in documented:
        check(item.target, item.public)
    return missing


def _first_paragraph(module: griffe.Object) -> str:
    return module.docstring.value.strip().split("\n\n")[0] if module.docstring else ""


def page(package: str, documented: list[Documented]) -> str:
    """The Markdown of ``package``'s page: its docstring, then its names by defining module."""
    groups: dict[str, list[Documented]] = {}
    for item in documented:
        group = MODULES if item.target.is_module else item.target.parent.path
        groups.setdefault(group, []).append(item)
    lines = [f"# `{package}`", "", f"::: {package}", "    options:", "      members: false", "      show_root_heading: false", ""]
    for group in sorted(groups, key=lambda group: (group == MODULES, group)):
        items = sorted(groups[group], key=lambda item: (item.target.relative_filepath, item.target.lineno))
        if group == MODULES:
            lines += ["## Modules", ""]
        else:
            lines += [f"## `{group}`", "", _first_paragraph(items[0].target.parent), ""]
        for item in items:
            lines += [
                f"::: {item.rendered}", "    options:", f"      heading: {item.public}",
                f"      toc_label: {item.public.rsplit('.', 1)[1]}", "",
            ]
    return "\n".join(lines)
