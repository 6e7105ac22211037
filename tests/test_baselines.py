"""``python -m jax_zoo.baselines DATASET``, the command behind ``zoo/published/baselines/``: each
baseline runs to its results file. ``stdlib_docstrings`` (seconds) reproduces its published
scores exactly; the others run on the first examples of each split, as the full runs take
minutes (names, bible_en_es) to twenty (kjv)."""

import functools
import json
import subprocess
import sys

import pytest
from ci_setup import require_ci_setup

from jax_zoo.baselines import PUBLISHED
from jax_zoo.baselines.__main__ import BASELINES, kjv_baseline, main

pytestmark = pytest.mark.slow


def first(count: int, split_reader):
    """``split_reader`` cut to each split's first ``count`` examples."""

    @functools.wraps(split_reader)
    def read(split, directory):
        parts = split_reader(split, directory)
        return parts[:count] if isinstance(parts, str) else tuple(part[:count] for part in parts)

    return read


def run_baseline(dataset: str, output, capsys) -> dict:
    main([dataset, "--output", str(output)])
    printed = capsys.readouterr().out.rstrip().splitlines()  # after any "Preparing dataset" line
    assert printed[-1].startswith(f"{dataset} baseline: ") and printed[-1].endswith(f"-> {output}")
    results = json.loads(output.read_text())
    assert results["command"] == f"python -m jax_zoo.baselines {dataset}"
    assert results["wall_seconds"] > 0 and results["finished"] and results["versions"]["jax"]
    return results


def test_stdlib_docstrings_reproduces_its_published_scores(tmp_path, capsys):
    from jax_zoo.datasets.docstring_pairs import python_version

    published = json.loads((PUBLISHED / "stdlib_docstrings.json").read_text())
    require_ci_setup(
        python_version() == published["python_version"],
        f"Python {published['python_version']}, whose standard library the published baseline was read from",
    )
    results = run_baseline("stdlib_docstrings", tmp_path / "stdlib_docstrings.json", capsys)
    assert results["function_name"] == published["function_name"]


def test_names_on_the_first_names_of_each_split(tmp_path, capsys, monkeypatch):
    """Two values of ``C`` of the five: lbfgs takes a minute to converge at ``C=100``."""
    import jax_zoo.baselines.ngram_logistic_regression as regression
    import jax_zoo.datasets.names

    monkeypatch.setattr(jax_zoo.datasets.names, "split_names", first(300, jax_zoo.datasets.names.split_names))
    monkeypatch.setattr(regression, "select_and_evaluate", functools.partial(regression.select_and_evaluate, regularizations=(1.0, 3.0)))
    results = run_baseline("names", tmp_path / "names.json", capsys)
    assert results["test"]["count"] == 300 and 0.2 < results["test"]["accuracy"] <= 1
    assert results["validation_accuracy"] == max(results["validation_accuracy_by_C"].values())
    assert set(results["validation_accuracy_by_C"]) == {"1.0", "3.0"} and str(results["selected_C"]) in {"1.0", "3.0"}


def test_bible_en_es_on_the_first_verses_of_each_split(bible_modules, data_dir, tmp_path, capsys, monkeypatch):
    import jax_zoo.datasets.bible_pairs
    from jax_zoo.api.text_metrics import text_scores

    split_pairs = first(150, jax_zoo.datasets.bible_pairs.split_pairs)
    monkeypatch.setattr(jax_zoo.datasets.bible_pairs, "split_pairs", split_pairs)
    results = run_baseline("bible_en_es", tmp_path / "bible_en_es.json", capsys)
    english, spanish = split_pairs("test", data_dir)
    assert results["copy_source"]["test"] == text_scores(english, spanish)
    word_by_word = results["word_by_word"]
    assert word_by_word["dictionary_size"] > 100 and word_by_word["test"]["bleu"] > results["copy_source"]["test"]["bleu"]
    assert [sample["source"] for sample in word_by_word["test_samples"]] == english[:3]


def test_kjv_on_the_first_characters_of_each_split(kjv_module, tmp_path, capsys, monkeypatch):
    import jax_zoo.datasets.kjv

    monkeypatch.setattr(jax_zoo.datasets.kjv, "split_text", first(20_000, jax_zoo.datasets.kjv.split_text))
    monkeypatch.setitem(BASELINES, "kjv", functools.partial(kjv_baseline, orders=(2, 3)))
    results = run_baseline("kjv", tmp_path / "kjv.json", capsys)
    fitted = {row["order"]: row for row in results["orders"]}
    assert {2, 3} <= set(fitted) and results["chosen_order"] in fitted
    best = min(fitted.values(), key=lambda row: row["validation"]["bits_per_character"])
    assert results["test"] == best["test"] and 1 < results["test"]["bits_per_character"] < 8


def test_the_module_runs_as_a_command_and_refuses_an_unknown_dataset():
    done = subprocess.run([sys.executable, "-m", "jax_zoo.baselines", "mnist"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "invalid choice: 'mnist'" in done.stderr and "Traceback" not in done.stderr
