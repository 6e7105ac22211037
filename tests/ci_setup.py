"""The one place a test may be skipped: for something the machine lacks, never under CI.

``.ci/run`` sets ``CI=true`` after installing every extra and Debian package the tests need, so
there a missing requirement is a broken setup: the test fails naming it. Elsewhere it is skipped,
and the reason says how to get it. ``tests/test_ci_setup.py`` checks that no test module skips
any other way.
"""

import importlib
import os
from types import ModuleType

import pytest


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


def require_ci_setup(available: bool, what: str, how: str = "") -> None:
    """Returns when ``available``; otherwise fails under CI (``CI=true``), which must provide
    ``what``, and skips elsewhere with ``how`` to get it. Callable from a fixture, a test or a
    module's top level."""
    if available:
        return
    wanted = f"{what} ({how})" if how else what
    if under_ci():
        pytest.fail(f"CI must provide {wanted}", pytrace=False)
    pytest.skip(f"needs {wanted}", allow_module_level=True)


def install_command(extra: str) -> str:
    return f'pip install -e ".[{extra}]"'


def require_extra(extra: str, module: str) -> ModuleType:
    """``module`` imported, from the optional ``extra`` of pyproject.toml; fails under CI, skips
    elsewhere, naming the extra and its install command."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        require_ci_setup(False, f"the optional {extra} extra: cannot import {module}: {error}", install_command(extra))
