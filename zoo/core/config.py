"""Resolves an entry's config: its defaults, overridden by ``--set name=value`` or keyword values."""

from collections.abc import Iterable, Mapping
from typing import Any

from jax_zoo.core import registry
from jax_zoo.core.errors import ConfigError, UnknownNameError

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def parse_assignments(assignments: Iterable[str]) -> dict[str, str]:
    """``["a=1", "b=x"]`` -> ``{"a": "1", "b": "x"}``; each item must hold one ``=``."""
    parsed = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--set expects name=value, got {assignment!r}")
        parsed[name.strip()] = value.strip()
    return parsed


def _from_text(name: str, text: str, kind: type) -> Any:
    try:
        if kind is bool:
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise ValueError
        return kind(text)
    except ValueError:
        raise ConfigError(f"{name}: expected {kind.__name__}, got {text!r}") from None


def _typed(name: str, value: Any, kind: type) -> Any:
    if isinstance(value, str) and kind is not str:
        return _from_text(name, value, kind)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if type(value) is not kind:
        raise ConfigError(f"{name}: expected {kind.__name__}, got {type(value).__name__} {value!r}")
    return value


def resolve_config(entry: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The entry's config with ``overrides`` applied and type-checked.

    Values may be text (as given on the command line) or Python values of the declared type.
    """
    config = registry.default_config(entry)
    types = registry.config_types(entry)
    for name, value in (overrides or {}).items():
        if name not in config:
            raise UnknownNameError("config key", name, config, context=f" for entry {entry!r}")
        config[name] = _typed(name, value, types[name])
    return config
