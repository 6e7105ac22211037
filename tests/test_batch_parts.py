"""A train step in batch parts: the mean of the parts' gradients, each part's from a host thread
of its own on a CPU, the same numbers as all the parts in one program; which entries take it."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from harness_helpers import SPEC, assert_trees_bitwise_equal, digits, fresh_state

import jax_zoo as zoo
from jax_zoo.api import implementation
from jax_zoo.api.stacked import train_stacked
from jax_zoo.api.train import train_and_evaluate
from jax_zoo.models import ResNet, SimpleCNN
from jax_zoo.train import CompilationLog, accuracy, create_train_state, make_train_step, softmax_cross_entropy
from jax_zoo.train import thread_groups
from jax_zoo.train.nonfinite import describe_offender
from jax_zoo.train.steps import PartedTrainStep

DATA = digits(128)
BATCHES = [{name: jnp.asarray(values[start:start + 32]) for name, values in DATA.items()} for start in (0, 32, 64, 96)]


def train(step, state, batches=BATCHES):
    history = []
    for batch in batches:
        state, metrics = step(state, batch)
        history.append({name: float(value) for name, value in metrics.items()})
    return state, history


def parted(parts=2, **options):
    return make_train_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC, batch_parts=parts, **options)


def dropout_state():
    model = SimpleCNN(num_classes=10, dropout_rates=(0.25, 0.5))
    init_key, dropout_key = jax.random.split(jax.random.PRNGKey(0))
    variables = model.init(init_key, jnp.zeros((1, 8, 8, 1)))
    return create_train_state(model.apply, variables, optax.adam(3e-3), dropout_key)


def assert_close(left, right, rtol=1e-5, atol=1e-6):
    for a, b in zip(jax.tree.leaves(left), jax.tree.leaves(right), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setattr(thread_groups, "usable_cores", lambda: 2)


def test_without_random_draws_two_parts_train_as_the_whole_batch(two_cores):
    whole_state, whole = train(parted(1), fresh_state())
    step = parted(2)
    assert isinstance(step, PartedTrainStep) and step.threads == 2
    parts_state, parts = train(step, fresh_state())
    assert_close(parts_state.params, whole_state.params, atol=1e-5)
    for record, expected in zip(parts, whole, strict=True):
        assert record["count"] == expected["count"] == 32
        assert record["loss"] == pytest.approx(expected["loss"], rel=1e-5)
        assert record["accuracy"] == pytest.approx(expected["accuracy"], abs=1e-6)


def test_the_parts_on_threads_and_in_one_program_give_the_same_numbers_every_time(two_cores):
    threaded = [train(parted(2), dropout_state()) for _ in range(2)]
    assert_trees_bitwise_equal(threaded[0][0].params, threaded[1][0].params)  # same seed, same numbers
    assert threaded[0][1] == threaded[1][1]
    step = parted(2)
    one_program, history = train(lambda state, batch: step.jitted(state, batch), dropout_state())
    assert_close(one_program.params, threaded[0][0].params)
    for record, expected in zip(history, threaded[0][1], strict=True):
        assert record["loss"] == pytest.approx(expected["loss"], rel=1e-5)
    whole, _ = train(parted(1), dropout_state())
    # Each part draws its own dropout masks, so the run is not the whole batch's.
    pairs = zip(jax.tree.leaves(whole.params), jax.tree.leaves(one_program.params), strict=True)
    assert not all(np.allclose(np.asarray(a), np.asarray(b), rtol=1e-3) for a, b in pairs)


def test_on_threads_each_program_compiles_once_and_with_one_core_the_parts_run_in_one(two_cores, monkeypatch):
    step, state = parted(2), fresh_state()  # the state's own small programs compile outside the log
    with CompilationLog() as compiled:
        train(step, state)
    assert compiled.compiles("train_step_part") == compiled.compiles("train_step_update") == 1
    assert compiled.compiles() == 2  # not the one program
    monkeypatch.setattr(thread_groups, "usable_cores", lambda: 1)
    step, state = parted(2), fresh_state()
    assert step.threads == 1
    with CompilationLog() as compiled:
        _, history = train(step, state, BATCHES[:2])
    assert compiled.compiles() == compiled.compiles("train_step") == 1 and compiled.compiles("train_step_") == 0
    assert history[0]["count"] == 32


def test_a_non_finite_input_in_one_part_keeps_the_whole_state(two_cores):
    poisoned = dict(BATCHES[0], inputs=BATCHES[0]["inputs"].at[20].set(jnp.nan))  # the second part's row
    before = fresh_state()
    copy = jax.tree.map(lambda leaf: jnp.array(leaf, copy=True), before)
    after, metrics = parted(2, nan_policy="skip")(before, poisoned)
    assert metrics["nonfinite"] == 1.0 and metrics["count"] == 0.0
    assert describe_offender(int(metrics["nonfinite_source"]), copy.params) == "the batch's inputs"
    assert_trees_bitwise_equal(after.params, copy.params)
    assert int(after.step) == 1


@pytest.mark.parametrize("parts, message", [
    (0, r"batch_parts: expected a whole number >= 1, got 0"),
    (1.5, r"batch_parts: expected a whole number >= 1, got 1.5"),
])
def test_a_bad_part_count_is_named(parts, message):
    with pytest.raises(ValueError, match=message):
        parted(parts)


def test_rows_that_do_not_split_evenly_are_named(two_cores):
    batch = {name: values[:30] for name, values in BATCHES[0].items()}
    with pytest.raises(ValueError, match=r"batch_parts: expected a batch whose 30 rows split into 4 equal parts"):
        parted(4)(fresh_state(), batch)


def test_a_model_with_batchnorm_statistics_takes_the_whole_batch(two_cores):
    model = ResNet(stage_sizes=(1,), num_filters=4, num_classes=10)
    variables = model.init(jax.random.PRNGKey(0), jnp.zeros((1, 8, 8, 1)))
    state = create_train_state(model.apply, variables, optax.sgd(0.1), jax.random.PRNGKey(1))
    with pytest.raises(ValueError, match=r"a model with BatchNorm statistics takes the whole batch"):
        parted(2)(state, BATCHES[0])


def test_on_a_cpu_the_entries_that_gain_train_in_parts_and_the_reference_in_one(monkeypatch):
    assert implementation.choose_batch_parts("numbers_en_fr", 64) == 2
    assert implementation.choose_batch_parts("numbers_en_fr", 63) == 1  # not in equal parts
    assert implementation.choose_batch_parts("numbers_en_fr", 64, "reference") == 1
    assert implementation.choose_batch_parts("kjv_char_lstm", 64) == 1
    built = zoo.build("names_tutorial_rnn")
    assert built.batch_parts == 2 and built.train_step.batch_parts == 2
    assert zoo.build("names_tutorial_rnn", batch_parts=1).batch_parts == 1
    monkeypatch.setattr(implementation.jax, "device_count", lambda: 2)  # the devices share the batch
    assert implementation.choose_batch_parts("numbers_en_fr", 64) == 1
    monkeypatch.setattr(implementation.jax, "default_backend", lambda: "gpu")
    assert implementation.choose_batch_parts("numbers_en_fr", 64) == 1


@pytest.mark.slow
def test_a_run_and_stacked_seeds_in_parts_record_them_and_agree(tmp_path, two_cores):
    overrides = {"epochs": 1, "hidden_size": 16}
    single = train_and_evaluate("names_tutorial_rnn", tmp_path / "one", overrides, progress=False)
    assert single["batch_parts"] == 2 and single["batch_part_threads"] == 2
    stacked = train_stacked("names_tutorial_rnn", [overrides | {"seed": seed} for seed in (0, 1)], tmp_path / "two",
                            progress=False, evaluate_test=False, runs_as="stacked")
    assert stacked["runs_as"] == "stacked" and stacked["batch_parts"] == 2
    # The stacked runs vmap the parts in one program; seed 0 learns what it learns alone.
    validation = json.loads((tmp_path / "one" / "metrics.jsonl").read_text().splitlines()[-1])
    assert stacked["runs"][0]["validation"]["accuracy"] == pytest.approx(validation["eval_accuracy"], abs=1e-3)


@pytest.mark.slow
def test_a_run_resumes_in_the_batch_parts_it_started_with(tmp_path, monkeypatch, two_cores):
    overrides = {"epochs": 1, "hidden_size": 16}
    monkeypatch.setenv("ZOO_IMPLEMENTATION", "reference")  # the whole batch
    started = train_and_evaluate("names_tutorial_rnn", tmp_path / "whole", overrides, progress=False, stop_at_step=5)
    assert not started["completed"]
    monkeypatch.delenv("ZOO_IMPLEMENTATION")
    assert train_and_evaluate("names_tutorial_rnn", tmp_path / "whole", overrides, progress=False)["batch_parts"] == 1
    train_and_evaluate("names_tutorial_rnn", tmp_path / "parts", overrides, progress=False, stop_at_step=5)
    assert json.loads((tmp_path / "parts" / "config.json").read_text())["batch_parts"] == 2
    monkeypatch.setenv("ZOO_IMPLEMENTATION", "reference")
    assert train_and_evaluate("names_tutorial_rnn", tmp_path / "parts", overrides, progress=False)["batch_parts"] == 2
