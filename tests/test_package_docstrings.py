"""package_docstrings: functions of pinned wheels, read with ast, copies left out, split by package."""

import hashlib
import subprocess
import zipfile

import pytest

import jax_zoo as zoo
from jax_zoo.core.errors import ZooError
from jax_zoo.datasets import package_docstrings
from jax_zoo.datasets.package_docstrings import (
    PACKAGES,
    PinnedWheel,
    corpus_rows,
    fetch_wheels,
    is_package_source,
    split_functions,
)
from jax_zoo.entries.docstring_summary import CORPORA

ALPHA = {
    "alpha/__init__.py": 'def get_value(key):\n    """Return the value of key."""\n    return key\n',
    "alpha/store.py": (
        'class Store:\n    def put(self, key):\n        """Store key. Twice."""\n        return key\n\n'
        '    def undocumented(self):\n        return None\n'
    ),
    "alpha/tests/test_store.py": 'def test_put():\n    """Put works."""\n',
    "alpha/_vendor/six.py": 'def copied():\n    """Another project\'s code."""\n',
    "alpha-1.0.dist-info/METADATA": "Name: alpha\n",
}
BETA = {
    # a copy of alpha's get_value, spaced differently: the same source
    "beta/copy.py": 'def get_value(key):\n    """Return the value of a key."""\n    return  key\n',
    # another body, alpha's docstring: the same docstring
    "beta/same_doc.py": 'def put(self, item):\n    """Store key. Twice."""\n    return item\n',
    "beta/own.py": 'async def fetch(url):\n    """Fetch url!"""\n',
}
GAMMA = {"gamma/graph.py": 'def shortest_path(graph):\n    """Returns the shortest path."""\n    return graph\n'}


def _wheel(directory, package, files, split):
    path = directory / f"{package}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)
    return PinnedWheel(package, "1.0", path.name, hashlib.sha256(path.read_bytes()).hexdigest(), split)


@pytest.fixture
def tiny_corpus(tmp_path, monkeypatch):
    """Three one-version packages as wheels in ``tmp_path / "wheels"``, one per split; ``pip`` must not run."""
    directory = tmp_path / "wheels"
    directory.mkdir()
    packages = (
        _wheel(directory, "alpha", ALPHA, "train"),
        _wheel(directory, "beta", BETA, "validation"),
        _wheel(directory, "gamma", GAMMA, "test"),
    )
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: pytest.fail(f"ran {args}"))
    return packages, directory


@pytest.mark.parametrize("member, kept", [
    ("sympy/core/basic.py", True),
    ("sympy/core/tests/test_basic.py", False),
    ("twisted/test/proto_helpers.py", False),
    ("pip/_vendor/requests/api.py", False),
    ("setuptools/_distutils/core.py", False),
    ("networkx/conftest.py", False),
    ("jedi/api/project_test.py", False),
    ("sympy-1.14.0.dist-info/RECORD", False),
    ("docutils-0.23.1.data/scripts/rst2html.py", False),
    ("top_level_module.py", False),
    ("sphinx/templates/quickstart/conf.py_t", False),
])
def test_only_a_package_s_own_modules_are_read(member, kept):
    assert is_package_source(member) is kept


def test_copies_are_left_out_held_out_packages_read_last(tiny_corpus):
    packages, directory = tiny_corpus
    rows = corpus_rows(packages, fetch_wheels(packages, directory))
    assert [(row["split"], row["package"], row["path"], row["name"], row["summary"]) for row in rows] == [
        ("train", "alpha", "alpha/__init__.py", "get_value", "Return the value of key."),
        ("train", "alpha", "alpha/store.py", "put", "Store key."),
        ("validation", "beta", "beta/own.py", "fetch", "Fetch url!"),
        ("test", "gamma", "gamma/graph.py", "shortest_path", "Returns the shortest path."),
    ]
    assert rows[0]["source"] == "def get_value(key):\n    return key"


def test_reading_order_not_the_listing_order_decides_which_copy_stays(tiny_corpus):
    packages, directory = tiny_corpus
    rows = corpus_rows(packages[::-1], fetch_wheels(packages, directory))
    assert [row["package"] for row in rows] == ["alpha", "alpha", "beta", "gamma"]


def test_a_wheel_other_than_its_pin_is_refused(tiny_corpus):
    packages, directory = tiny_corpus
    (directory / packages[0].wheel).write_bytes(b"not the pinned wheel")
    with pytest.raises(ZooError, match="alpha-1.0-py3-none-any.whl: expected SHA-256 .* delete it to download it again"):
        fetch_wheels(packages, directory)


def test_a_failed_download_names_the_packages_and_pip_s_error(tmp_path, monkeypatch):
    failed = subprocess.CompletedProcess([], 1, "", "ERROR: No matching distribution found for alpha==1.0")
    monkeypatch.setattr(subprocess, "run", lambda command, **kwargs: failed)
    pinned = (PinnedWheel("alpha", "1.0", "alpha-1.0-py3-none-any.whl", "0" * 64, "train"),)
    with pytest.raises(ZooError, match="(?s)expected pip to download 1 pinned wheels.*No matching distribution"):
        fetch_wheels(pinned, tmp_path)


def test_source_that_does_not_parse_is_an_error_not_a_silent_gap(tmp_path):
    pinned = _wheel(tmp_path, "broken", {"broken/old.py": "print 'python 2'\n"}, "train")
    with pytest.raises(ZooError, match="broken-1.0-py3-none-any.whl: expected Python source in broken/old.py"):
        corpus_rows((pinned,), {"broken": tmp_path / pinned.wheel})


def test_the_prepared_splits_hold_whole_packages(tiny_corpus, tmp_path, monkeypatch):
    packages, directory = tiny_corpus
    data = tmp_path / "data"
    (data / "downloads").mkdir(parents=True)
    directory.rename(data / "downloads" / "package_docstrings_wheels")
    monkeypatch.setattr(package_docstrings, "PACKAGES", packages)
    splits = {split: split_functions(split, data) for split in ("train", "validation", "test")}
    assert {split: records["package"] for split, records in splits.items()} == {
        "train": ["alpha", "alpha"], "validation": ["beta"], "test": ["gamma"],
    }
    assert splits["train"]["summary"] == ["Return the value of key.", "Store key."]
    assert splits["test"]["source"] == ["def shortest_path(graph):\n    return graph"]


def test_the_pins_are_pure_python_wheels_each_package_in_one_split():
    assert len({wheel.package for wheel in PACKAGES}) == len(PACKAGES) == 26
    assert all(wheel.wheel.endswith("-none-any.whl") and len(wheel.sha256) == 64 for wheel in PACKAGES)
    held_out = {split: {w.package for w in PACKAGES if w.split == split} for split in ("validation", "test")}
    assert held_out == {"validation": {"jinja2", "xarray"}, "test": {"docutils", "networkx"}}


def test_the_entry_s_corpus_versions_are_the_builders():
    from jax_zoo.datasets.builders.docstring_pairs import DocstringSummary
    from jax_zoo.datasets.builders.package_docstrings import PackageDocstrings

    assert set(CORPORA) == {f"package_docstrings:{PackageDocstrings.VERSION}", f"stdlib_docstrings:{DocstringSummary.VERSION}"}
    assert zoo.get("docstring_summary")().dataset == "package_docstrings"
    assert zoo.get("docstring_summary")(corpus="stdlib_docstrings:1.0.0").dataset == "stdlib_docstrings"
    with pytest.raises(zoo.ConfigError, match="corpus: expected one of package_docstrings:1.0.0, stdlib_docstrings:1.0.0, got 'stdlib'"):
        zoo.get("docstring_summary")(corpus="stdlib")


@pytest.mark.slow
def test_the_pinned_corpus_has_its_published_counts(data_dir):
    splits = {split: split_functions(split, data_dir) for split in ("train", "validation", "test")}
    assert {split: len(records["name"]) for split, records in splits.items()} == {
        "train": 27251, "validation": 1748, "test": 2309,
    }
    assert splits["test"]["package"][0] == "docutils" and splits["test"]["package"][-1] == "networkx"
