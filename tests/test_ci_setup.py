"""One rule for what a machine may lack: under CI a test fails naming it, elsewhere it skips and
says how to install it (``ci_setup``); no test module skips any other way."""

import ast
import tomllib
from pathlib import Path

import pytest
from ci_setup import install_command, require_ci_setup, require_extra

TESTS = Path(__file__).resolve().parent
PYPROJECT = TESTS.parent / "pyproject.toml"
GUARD = TESTS / "ci_setup.py"
# What skips a test (or marks it expected to fail) without asking ci_setup.
UNGUARDED = {"skip", "skipif", "importorskip", "xfail", "skipTest", "skipIf", "skipUnless"}


def _name(node) -> str | None:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None


def unguarded_skips(path: Path) -> list[str]:
    """``pytest.skip(...)``, ``pytest.importorskip(...)``, ``@pytest.mark.skipif(...)`` and their
    kin in ``path``, as ``file:line name``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        called = isinstance(node, ast.Call) and _name(node.func) in UNGUARDED
        marked = isinstance(node, ast.Attribute) and node.attr in UNGUARDED and _name(node.value) == "mark"
        if called and not (isinstance(node.func, ast.Attribute) and _name(node.func.value) == "mark") or marked:
            found.append((node.lineno, f"{path.name}:{node.lineno} {node.attr if marked else _name(node.func)}"))
        if isinstance(node, ast.ImportFrom) and node.module in ("pytest", "unittest"):
            found += [(node.lineno, f"{path.name}:{node.lineno} from {node.module} import {a.name}")
                      for a in node.names if a.name in UNGUARDED]
    return [text for _, text in sorted(found)]


def test_no_test_module_skips_without_the_ci_guard():
    modules = sorted(path for path in TESTS.glob("*.py") if path != GUARD)
    assert len(modules) > 50
    assert [skip for path in modules for skip in unguarded_skips(path)] == []


def test_the_scan_finds_each_way_of_skipping(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "import pytest\nfrom pytest import importorskip\n"
        "torch = pytest.importorskip('torch')\n"
        "@pytest.mark.skipif(True, reason='x')\ndef test_a(): pytest.skip('y')\n"
        "@pytest.mark.xfail\ndef test_b(): raise pytest.skip.Exception\n"
    )
    assert unguarded_skips(sample) == [
        "test_sample.py:2 from pytest import importorskip", "test_sample.py:3 importorskip",
        "test_sample.py:4 skipif", "test_sample.py:5 skip", "test_sample.py:6 xfail",
    ]


def test_a_missing_extra_skips_with_its_install_command_and_fails_under_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r'needs the optional torch extra: cannot import no_such_module_\w+: '
                                                    r'.*\(pip install -e "\.\[torch\]"\)'):
        require_extra("torch", "no_such_module_of_the_zoo")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r'CI must provide the optional torch extra: .*pip install -e "\.\[torch\]"'):
        require_extra("torch", "no_such_module_of_the_zoo")
    with pytest.raises(pytest.fail.Exception, match=r"CI must provide Debian's sword-text-kjv \(apt-get install sword-text-kjv\)"):
        require_ci_setup(False, "Debian's sword-text-kjv", "apt-get install sword-text-kjv")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        require_ci_setup(False, "anything")
    assert require_extra("torch", "json").dumps(1) == "1"


def test_every_extra_a_test_asks_for_is_declared_in_pyproject():
    extras = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]
    asked = set()
    for path in TESTS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "require_extra":
                asked.add(node.args[0].value)
    assert asked and asked <= set(extras), asked - set(extras)
    assert install_command("torch") == 'pip install -e ".[torch]"'
