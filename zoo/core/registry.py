"""The entry registry: ``@register`` on a function that returns an ``Experiment``.

An entry function takes keyword-only hyperparameters, each with a default and a type annotation
(``int``, ``float``, ``bool`` or ``str``); those defaults are the entry's config, and
``zoo train ENTRY --set name=value`` overrides them.

    @register
    def my_entry(*, learning_rate: float = 1e-3, epochs: int = 10) -> Experiment:
        '''One line on what it trains. Command: ``zoo train my_entry``. Result: ...'''
        return Experiment(...)
"""

import fnmatch
import importlib
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from jax_zoo.core.errors import UnknownNameError

SUPPORTED_TYPES = (int, float, bool, str)

_ENTRIES: dict[str, Callable[..., Any]] = {}
_SAVED_BEFORE: dict[str, dict[str, Any]] = {}
_BUILTIN = "jax_zoo.entries"


def _with_builtin_entries() -> dict[str, Callable[..., Any]]:
    """The registry, after the zoo's own entries (``jax_zoo.entries``) registered themselves."""
    importlib.import_module(_BUILTIN)
    return _ENTRIES


def _check_signature(name: str, fn: Callable[..., Any]) -> None:
    for parameter in inspect.signature(fn).parameters.values():
        where = f"entry {name!r}, parameter {parameter.name!r}"
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            raise TypeError(f"{where}: expected a keyword-only parameter (after '*'), got {parameter.kind.description}")
        if parameter.default is inspect.Parameter.empty:
            raise TypeError(f"{where}: expected a default value, got none")
        if parameter.annotation not in SUPPORTED_TYPES:
            raise TypeError(
                f"{where}: expected an annotation among int, float, bool, str, got {parameter.annotation!r}"
            )


def register(
    fn: Callable[..., Any] | None = None, *, name: str | None = None, saved_before: Mapping[str, Any] | None = None,
):
    """Registers an entry function under ``name`` (default: the function's name).

    ``saved_before`` maps config keys added after runs were saved to the value a saved config
    that lacks one stands for (how those runs behaved), so an old run restores as it was trained.
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        entry_name = name or fn.__name__
        _check_signature(entry_name, fn)
        unknown = sorted(set(saved_before or {}) - set(inspect.signature(fn).parameters))
        if unknown:
            raise TypeError(f"entry {entry_name!r}: saved_before names {unknown}, expected config keys of the entry")
        if entry_name in _ENTRIES and _ENTRIES[entry_name] is not fn:
            existing = _ENTRIES[entry_name]
            if (existing.__module__, existing.__qualname__) != (fn.__module__, fn.__qualname__):
                raise ValueError(f"entry {entry_name!r} is already registered by {existing.__module__}")
        _ENTRIES[entry_name] = fn
        _SAVED_BEFORE[entry_name] = dict(saved_before or {})
        return fn

    return decorate(fn) if fn is not None else decorate


def saved_config_values(name: str, saved: Mapping[str, Any]) -> dict[str, Any]:
    """A run's saved config with the keys it predates filled as the entry's ``saved_before`` says."""
    _with_builtin_entries()
    return _SAVED_BEFORE.get(name, {}) | dict(saved)


def get(name: str) -> Callable[..., Any]:
    """The entry function registered as ``name``; unknown names suggest close ones."""
    entries = _with_builtin_entries()
    try:
        return entries[name]
    except KeyError:
        raise UnknownNameError("entry", name, entries) from None


def list_entries(pattern: str = "*") -> list[str]:
    """Registered entry names matching a shell-style ``pattern``, sorted."""
    return sorted(n for n in _with_builtin_entries() if fnmatch.fnmatchcase(n, pattern))


def default_config(name: str) -> dict[str, Any]:
    """The entry's hyperparameters and their defaults, in signature order."""
    return {p.name: p.default for p in inspect.signature(get(name)).parameters.values()}


def config_types(name: str) -> dict[str, type]:
    return {p.name: p.annotation for p in inspect.signature(get(name)).parameters.values()}
