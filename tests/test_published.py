"""Published numbers come from committed runs of the entries' current default configs."""

import json
import re
from importlib import resources

import pytest

import zoo
from zoo.published import published_result

PUBLISHED = [entry for entry in zoo.list_entries() if published_result(entry) is not None]


def test_the_default_entry_is_published():
    assert "digits_cnn" in PUBLISHED


@pytest.mark.parametrize("entry", PUBLISHED)
def test_published_run_used_the_current_defaults(entry):
    assert published_result(entry)["config"] == zoo.default_config(entry)


@pytest.mark.parametrize("entry", PUBLISHED)
def test_docstring_quotes_the_published_number(entry):
    results = published_result(entry)
    doc = zoo.get(entry).__doc__
    accuracy = re.search(r"Result: test accuracy ([\d.]+)%", doc)
    bits = re.search(r"Result: test bits per character ([\d.]+),", doc)
    assert accuracy or bits, f"{entry}'s docstring should state its result"
    if accuracy:
        assert float(accuracy.group(1)) == round(100 * results["test"]["accuracy"], 2)
    else:
        assert float(bits.group(1)) == round(results["test"]["bits_per_character"], 3)


def test_digits_cnn_reaches_its_target():
    assert published_result("digits_cnn")["test"]["accuracy"] >= 0.985


def published_baseline(dataset):
    return json.loads((resources.files("zoo") / "published" / "baselines" / f"{dataset}.json").read_text())


def test_baselines_are_published_with_their_commands():
    for dataset in ("names", "kjv"):
        baseline = published_baseline(dataset)
        assert baseline["dataset"] == dataset and baseline["command"] == f"python -m zoo.baselines {dataset}"
