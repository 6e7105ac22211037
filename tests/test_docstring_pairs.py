"""docstring_summary: standard-library functions without docstrings -> their first sentence."""

import pytest

from jax_zoo.datasets import docstring_pairs
from jax_zoo.datasets.docstring_pairs import (
    FunctionPair,
    first_sentence,
    function_pairs,
    with_name_words,
)

MODULE = '''
import functools


@functools.cache
def get_value(key, default=None):
    """Return the value of key, e.g. a name.

    More text.
    """
    # A comment stays.
    return default


class Store:
    def put(self, key):
        """Store key. Twice."""
        return key

    def undocumented(self):
        return None

    async def wait(self): "Wait for the store."


def stub():
    """Do nothing! Really."""
'''


def test_each_documented_function_pairs_its_source_without_docstring_with_its_first_sentence():
    assert function_pairs(MODULE) == [
        FunctionPair(
            "get_value",
            '@functools.cache\ndef get_value(key, default=None):\n    # A comment stays.\n    return default',
            "Return the value of key, e.g.",
        ),
        FunctionPair("put", "def put(self, key):\n    return key", "Store key."),
        FunctionPair("wait", "async def wait(self):", "Wait for the store."),
        FunctionPair("stub", "def stub():", "Do nothing!"),
    ]


@pytest.mark.parametrize("docstring, sentence", [
    ("Return x.", "Return x."),
    ("Return x\n    over two lines.  Then more.", "Return x over two lines."),
    ("No full stop", "No full stop"),
    ("Version 3.11 is read.", "Version 3.11 is read."),
    ("Title\n\nBody.", "Title"),
])
def test_the_first_sentence_ends_at_the_first_full_stop_before_a_space(docstring, sentence):
    assert first_sentence(docstring) == sentence


@pytest.mark.parametrize("source, model_text", [
    ("def get_value(self):\n    return 1", "get value\ndef get_value(self):\n    return 1"),
    ("@cache\nasync def parseHTTPHeader(x):", "parse http header\n@cache\nasync def parseHTTPHeader(x):"),
    ("def outer():\n    def inner(): pass", "outer\ndef outer():\n    def inner(): pass"),
    ("x = undefined_name", "x = undefined_name"),
])
def test_a_source_is_read_after_its_function_s_name_words(source, model_text):
    assert with_name_words(source) == model_text


def test_the_dataset_is_named_by_the_python_version():
    from jax_zoo.datasets.builders.docstring_pairs import DocstringSummary

    assert DocstringSummary.BUILDER_CONFIGS[0].name == f"python{docstring_pairs.python_version()}"


@pytest.mark.slow
def test_splits_are_disjoint_by_module(data_dir):
    splits = {split: docstring_pairs.split_functions(split, data_dir) for split in ("train", "validation", "test")}
    modules = {split: set(records["path"]) for split, records in splits.items()}
    assert not modules["train"] & modules["validation"] and not modules["train"] & modules["test"]
    assert not modules["validation"] & modules["test"]
    sizes = {split: len(records["summary"]) for split, records in splits.items()}
    if docstring_pairs.python_version() == "3.11.7":
        assert sizes == {"train": 5115, "validation": 769, "test": 416}
    assert all(sizes.values()) and all(summary for records in splits.values() for summary in records["summary"])
    assert '"""' not in splits["test"]["source"][0].split("\n", 2)[1]
