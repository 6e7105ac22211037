"""Who runs an entry's model: its XLA:CPU variant where that is faster, the reference elsewhere,
as asked by ``build(implementation=...)`` or ``ZOO_IMPLEMENTATION``; results.json says which."""

import json
import math

import jax
import numpy as np
import pytest

import jax_zoo as zoo
from jax_zoo.api import implementation as implementation_module
from jax_zoo.api.pretrained import evaluate_pretrained
from jax_zoo.api.published import published_result
from jax_zoo.api.train import train_and_evaluate
from jax_zoo.models import xla_cpu


def test_on_xla_cpu_a_model_whose_variant_is_faster_runs_it_and_others_run_the_reference():
    assert jax.default_backend() == "cpu"
    built = zoo.build("digits_cnn")
    assert built.implementation == "xla_cpu" and type(built.experiment.model) is xla_cpu.SimpleCNN
    assert zoo.build("fashion_lenet").implementation == "reference"


def test_elsewhere_auto_runs_the_reference(monkeypatch):
    monkeypatch.setattr(implementation_module.jax, "default_backend", lambda: "gpu")
    assert zoo.build("digits_cnn").implementation == "reference"


def test_the_argument_and_then_the_environment_choose(monkeypatch):
    monkeypatch.setenv("ZOO_IMPLEMENTATION", "reference")
    assert zoo.build("digits_cnn").implementation == "reference"
    assert zoo.build("digits_cnn", implementation="xla_cpu").implementation == "xla_cpu"


def test_both_implementations_start_from_the_same_variables():
    reference, variant = (zoo.build("digits_cnn", implementation=name) for name in ("reference", "xla_cpu"))
    assert type(reference.experiment.model) is zoo.get("digits_cnn")().model.__class__
    same = jax.tree.map(np.array_equal, reference.state.params, variant.state.params)
    assert jax.tree.all(same)


@pytest.mark.parametrize(
    ("entry", "requested", "message"),
    [
        ("digits_cnn", "fast", r"implementation: expected one of auto, reference, xla_cpu, got 'fast'"),
        ("fashion_lenet", "xla_cpu", r"LeNet5 \(as this entry configures it\) has no XLA:CPU variant"),
    ],
    ids=["unknown name", "no variant"],
)
def test_a_choice_that_cannot_be_run_is_named(entry, requested, message):
    with pytest.raises(zoo.ConfigError, match=message):
        zoo.build(entry, implementation=requested)


def test_an_unknown_environment_value_is_named(monkeypatch):
    monkeypatch.setenv("ZOO_IMPLEMENTATION", "gpu")
    with pytest.raises(zoo.ConfigError, match=r"ZOO_IMPLEMENTATION: expected one of auto, reference, xla_cpu, got 'gpu'"):
        zoo.build("digits_cnn")


@pytest.mark.slow
@pytest.mark.parametrize("implementation", ["reference", "xla_cpu"])
def test_results_say_which_implementation_ran(tmp_path, monkeypatch, implementation):
    monkeypatch.setenv("ZOO_IMPLEMENTATION", implementation)
    results = train_and_evaluate("digits_cnn", tmp_path / "run", {"epochs": 1}, progress=False)
    assert results["implementation"] == implementation
    assert json.loads((tmp_path / "run" / "results.json").read_text())["implementation"] == implementation


@pytest.mark.slow
@pytest.mark.parametrize("entry", ["digits_cnn", "fashion_simple_cnn", "numbers_en_fr"])
def test_shipped_weights_score_the_published_count_through_either_implementation(entry, request, monkeypatch):
    if entry == "fashion_simple_cnn":
        request.getfixturevalue("fashion_mnist_files")
    published = published_result(entry)["test"]
    metric = "exact_match" if "exact_match" in published else "accuracy"
    for implementation in ("reference", "xla_cpu"):
        monkeypatch.setenv("ZOO_IMPLEMENTATION", implementation)
        metrics = evaluate_pretrained(entry)
        assert metrics["count"] == published["count"]
        assert round(metrics[metric] * metrics["count"]) == round(published[metric] * published["count"]), implementation
        assert math.isclose(metrics["loss"], published["loss"], rel_tol=1e-4), implementation
