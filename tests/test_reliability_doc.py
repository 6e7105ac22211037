"""The docs name real tests: every ``test_file.py::test_name`` in the README and docs/ is a test
function of that file (``test_name...`` or ``test_name*``: at least one test starting so), every
``test_file.py`` a file, and every promise in docs/reliability.md's tables names its test."""

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
RELIABILITY = ROOT / "docs" / "reliability.md"
REFERENCE = re.compile(r"\b(?:tests/)?(test_\w+\.py)(?:::([\w*.]+(?:::[\w*.]+)?))?")


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def defined_tests(path: Path) -> set[str]:
    """The test functions of a module, ``Class::method`` for those of a test class."""
    names = set()
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            names.add(node.name)
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names |= {f"{node.name}::{item.name}" for item in node.body
                      if isinstance(item, ast.FunctionDef) and item.name.startswith("test")}
    return names


def missing_tests(text: str, tests: Path) -> list[str]:
    """The references in ``text`` to a test file or test that ``tests`` does not hold."""
    missing = []
    for match in REFERENCE.finditer(text):
        module, name = match.groups()
        if not (tests / module).is_file():
            missing.append(match.group(0))
            continue
        if name is None:
            continue
        defined = defined_tests(tests / module)
        if name.endswith(("...", "*")):
            prefix = name.rstrip(".*")
            found = any(test.startswith(prefix) for test in defined)
        else:
            found = name.rstrip(".") in defined
        if not found:
            missing.append(match.group(0))
    return missing


def promises_without_a_test(text: str) -> list[str]:
    """Rows of the page's tables (all but their header and rule) whose last cell names no test."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    headers = {row for row, rule in zip(rows, rows[1:]) if set(rule) <= set("|-: ")}
    return [
        row for row in rows
        if row not in headers and not set(row) <= set("|-: ")
        and not re.search(r"test_\w+\.py|conftest\.py", row.rstrip(" |").rsplit("|", 1)[-1])
    ]


def test_every_test_the_docs_name_exists():
    named = {path.relative_to(ROOT).as_posix(): missing_tests(path.read_text(), TESTS) for path in documents()}
    assert {page: missing for page, missing in named.items() if missing} == {}
    assert len(REFERENCE.findall(RELIABILITY.read_text())) >= 30


def test_every_promise_on_the_reliability_page_names_its_test():
    assert promises_without_a_test(RELIABILITY.read_text()) == []


def test_a_renamed_test_or_a_promise_without_one_is_found(tmp_path):
    (tmp_path / "test_a.py").write_text("def test_kept(): pass\nclass TestB:\n    def test_c(self): pass\n")
    text = (
        "`test_a.py::test_kept`, `tests/test_a.py::TestB::test_c`, `test_a.py::test_ke...`, `test_a.py`; "
        "`test_a.py::test_renamed`, `test_a.py::test_x*`, `test_gone.py`."
    )
    assert missing_tests(text, tmp_path) == ["test_a.py::test_renamed", "test_a.py::test_x*", "test_gone.py"]
    table = "| Promise | Test |\n|---|---|\n| kept | `test_a.py::test_kept` |\n| untested | none yet |\n"
    assert promises_without_a_test(table) == ["| untested | none yet |"]
