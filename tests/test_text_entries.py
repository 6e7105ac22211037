"""The text entries train end to end on their real data (tiny configs) and report their metrics."""

import math

import jax
import numpy as np
import pytest

import jax_zoo as zoo


@pytest.mark.slow
def test_names_tutorial_rnn_reports_accuracy_macro_f1_and_confusion(tmp_path):
    results = zoo.train_and_evaluate(
        "names_tutorial_rnn", tmp_path / "run", {"epochs": 1, "batch_size": 256, "hidden_size": 16}, progress=False
    )
    test = results["test"]
    assert test["count"] == 3325 and 0 <= test["macro_f1"] <= 1
    assert np.array(test["confusion_matrix"]).shape == (14, 14) and np.sum(test["confusion_matrix"]) == 3325
    assert results["model"] == "TutorialRNN"


@pytest.mark.slow
def test_names_bilstm_updates_every_parameter():
    built = zoo.build("names_bilstm", {"hidden_size": 8, "embed_dim": 4})
    data = zoo.load_dataset("names", "train")
    batch = {key: value[:64] for key, value in data.items()}
    before = jax.tree.map(np.array, built.state.params)  # the step donates the state it is given
    state, metrics = built.train_step(built.state, batch)
    changed = jax.tree.map(lambda a, b: bool(np.any(np.asarray(a) != np.asarray(b))), before, state.params)
    assert all(jax.tree.leaves(changed)) and np.isfinite(metrics["loss"])


@pytest.mark.slow
@pytest.mark.usefixtures("kjv_module")
def test_kjv_char_lstm_learns_something_in_one_tiny_epoch(tmp_path):
    overrides = {"epochs": 1, "batch_size": 2048, "hidden_size": 16, "embed_dim": 8, "learning_rate": 0.05}
    results = zoo.train_and_evaluate("kjv_char_lstm", tmp_path / "run", overrides, progress=False)
    assert results["dataset"] == "kjv" and results["task"] == "language_modeling"
    assert results["test"]["count"] == 2804
    assert results["test"]["bits_per_character"] < math.log2(94) - 1, "well below a uniform guess"
    assert math.isclose(results["test"]["loss"] / math.log(2), results["test"]["bits_per_character"], rel_tol=1e-5)


@pytest.mark.slow
def test_the_corpus_is_a_config_value_and_building_the_entry_reads_no_file(monkeypatch):
    from jax_zoo.datasets import kjv

    monkeypatch.setattr(kjv, "sword_module_installed", lambda: (_ for _ in ()).throw(AssertionError("probed")))
    assert zoo.build("kjv_char_lstm").experiment.dataset == "kjv"
    assert zoo.build("kjv_char_lstm", {"corpus": "python_source"}).experiment.dataset == "python_source"
    with pytest.raises(zoo.ConfigError, match="corpus: expected one of 'kjv', 'python_source', got 'bible'"):
        zoo.build("kjv_char_lstm", {"corpus": "bible"})


def test_without_the_sword_module_preparing_kjv_says_what_to_install(monkeypatch, tmp_path):
    from jax_zoo.datasets import kjv

    monkeypatch.setattr(kjv, "sword_module_installed", lambda: False)
    with pytest.raises(zoo.ZooError, match="apt-get install sword-text-kjv.*--set corpus=python_source"):
        zoo.load_dataset("kjv", "train", directory=tmp_path)
    assert not list(tmp_path.rglob("*.array_record*"))


@pytest.mark.parametrize(
    "entry, overrides, message",
    [
        ("names_bilstm", {"pooling": "sum"}, r"pooling: expected one of \('final', 'mean', 'max'\), got 'sum'"),
        ("names_bilstm", {"dropout_rate": 1.0}, r"dropout_rate: expected a value in \[0, 1\), got 1.0"),
        ("names_bilstm", {"embedding_dropout": 1.5}, r"embedding_dropout: expected a value in \[0, 1\), got 1.5"),
        ("names_bilstm", {"ensemble_size": 0}, "ensemble_size: expected a value > 0, got 0"),
        ("kjv_char_lstm", {"hidden_size": 0}, "hidden_size: expected a value > 0, got 0"),
        ("names_tutorial_rnn", {"learning_rate": -1.0}, "learning_rate: expected a value > 0, got -1.0"),
        ("docstring_summary", {"no_repeat_ngram": -1}, "no_repeat_ngram: expected 0 .off. or an n-gram size, got -1"),
        ("docstring_summary", {"length_penalty": -0.5}, "length_penalty: expected a finite value >= 0, got -0.5"),
    ],
)
def test_bad_config_values_are_named(entry, overrides, message):
    with pytest.raises(zoo.ConfigError, match=message):
        zoo.build(entry, overrides)
