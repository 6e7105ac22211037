"""Bad input at the public boundary is rejected before anything compiles, naming expected vs given."""

import numpy as np
import pytest
from harness_helpers import SPEC, digits, fresh_state

import jax_zoo as zoo
from jax_zoo.train import (
    CheckpointPolicy, CompilationLog, EarlyStoppingPolicy, InputError, accuracy, fit, make_eval_step, make_train_step,
    softmax_cross_entropy,
)
from jax_zoo.train.input_checks import check_fit_inputs
from jax_zoo import ConfigError, UnknownNameError

TRAIN, EVAL = digits(40), digits(11, offset=40)


def changed(data, key, value):
    return {**data, key: value}


FIT_CASES = {
    "inputs missing the channel axis": (
        dict(train_data=changed(TRAIN, "inputs", TRAIN["inputs"][..., 0])),
        r"training data: batch\['inputs'\] should have shape \[batch, 8, 8, 1\] \(rank 4\), got \[40, 8, 8\] \(rank 3\)"),
    "inputs of another size": (
        dict(train_data=changed(TRAIN, "inputs", np.zeros((40, 28, 28, 1), np.float32))), r"got \[40, 28, 28, 1\]"),
    "inputs with three channels": (
        dict(eval_data=changed(EVAL, "inputs", np.zeros((11, 8, 8, 3), np.float32))),
        r"evaluation data: batch\['inputs'\] should have shape \[batch, 8, 8, 1\]"),
    "uint8 images where floats are expected": (
        dict(train_data=changed(TRAIN, "inputs", (TRAIN["inputs"] * 16).astype(np.uint8))),
        r"should be floating like float32, got uint8"),
    "float labels": (
        dict(train_data=changed(TRAIN, "targets", TRAIN["targets"].astype(np.float32))),
        r"batch\['targets'\] should be integer like int32, got float32"),
    "a label past the last class": (
        dict(train_data=changed(TRAIN, "targets", np.where(np.arange(40) == 3, 10, TRAIN["targets"]).astype(np.int32))),
        r"training data labels must lie in \[0, 10\), got values from 0 to 10 \(1 out of range, e\.g\. \[10\]\)"),
    "a negative label": (
        dict(eval_data=changed(EVAL, "targets", np.full(11, -1, np.int32))),
        r"evaluation data labels must lie in \[0, 10\), got values from -1 to -1"),
    "an empty training set": (
        dict(train_data={key: value[:0] for key, value in TRAIN.items()}), r"training data is empty"),
    "an empty evaluation set": (
        dict(eval_data={key: value[:0] for key, value in EVAL.items()}), r"evaluation data is empty"),
    "a batch larger than the dataset": (dict(batch_size=64), r"batch_size 64 is larger than the 40 training examples"),
    "a zero batch size": (dict(batch_size=0), r"batch_size must be an integer >= 1, got 0"),
    "a fractional batch size": (dict(batch_size=8.5), r"batch_size must be an integer >= 1, got 8.5"),
    "zero epochs": (dict(epochs=0), r"epochs must be an integer >= 1, got 0"),
    "a negative seed": (dict(seed=-1), r"seed must be an integer >= 0, got -1"),
    "a zero eval batch size": (dict(eval_batch_size=0), r"eval_batch_size must be an integer >= 1, got 0"),
    "arrays of different lengths": (
        dict(train_data=changed(TRAIN, "targets", TRAIN["targets"][:39])),
        r"training data: every array must have one length, got \{'inputs': 40, 'targets': 39\}"),
    "no targets": (dict(train_data={"inputs": TRAIN["inputs"]}), r"training data must be a dict with 'inputs' and 'targets' arrays, got \['inputs'\]"),
    "a tuple instead of a dict": (dict(eval_data=(EVAL["inputs"], EVAL["targets"])), r"got tuple"),
    "early stopping on a metric no record holds": (
        dict(early_stopping=EarlyStoppingPolicy(metric="eval_top5")), r"early stopping watches 'eval_top5'"),
}


@pytest.mark.parametrize("case", FIT_CASES, ids=list(FIT_CASES))
def test_fit_rejects_before_compiling(case):
    changes, message = FIT_CASES[case]
    arguments = dict(
        train_step=make_train_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC),
        eval_step=make_eval_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC),
        train_data=TRAIN, eval_data=EVAL, batch_size=8, epochs=1, seed=0, num_classes=10, progress=False,
    ) | changes
    with CompilationLog() as compilation, pytest.raises(InputError, match=message):
        fit(fresh_state(), **arguments)
    assert compilation.compiles("train_step") == compilation.compiles("eval_step") == 0


def test_a_batch_that_does_not_divide_over_the_devices():
    with pytest.raises(InputError, match=r"batch_size 30 must divide evenly over the 8 devices \(e\.g\. 24\)"):
        check_fit_inputs(
            train_step=make_train_step(softmax_cross_entropy), eval_step=make_eval_step(softmax_cross_entropy),
            train_data=TRAIN, eval_data=EVAL, batch_size=30, eval_batch_size=32, epochs=1, seed=0,
            num_classes=10, device_count=8,
        )


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: make_train_step(softmax_cross_entropy, nan_policy="sometimes"), ValueError,
         r"nan_policy must be one of \('fail', 'skip', 'off'\), got 'sometimes'"),
        (lambda: CheckpointPolicy(every_steps=0), ValueError, r"checkpoint every_steps must be None or >= 1, got 0"),
        (lambda: CheckpointPolicy(keep=0), ValueError, r"checkpoint keep must be >= 1, got 0"),
        (lambda: EarlyStoppingPolicy(mode="maximum"), ValueError, r"mode must be 'min' or 'max', got 'maximum'"),
        (lambda: EarlyStoppingPolicy(patience=-1), ValueError, r"patience >= 0 and min_delta >= 0, got -1"),
    ],
)
def test_harness_settings_out_of_range(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize(
    "overrides, error, message",
    [
        ({"learning_rate": "-0.1"}, ConfigError, r"learning_rate: expected a value > 0, got -0.1"),
        ({"learning_rate": "0"}, ConfigError, r"learning_rate: expected a value > 0, got 0.0"),
        ({"epochs": "0"}, ConfigError, r"epochs: expected a value > 0, got 0"),
        ({"batch_size": "2.5"}, ConfigError, r"batch_size: expected int, got '2.5'"),
        ({"label_smoothing": "1.5"}, ConfigError, r"label_smoothing: expected a value in \[0, 1\), got 1.5"),
        ({"nan_policy": "sometimes"}, ConfigError, r"nan_policy: expected one of fail, skip, off, got 'sometimes'"),
        ({"seed": "-3"}, ConfigError, r"seed: expected an integer in \[0, 2\*\*32\), got -3"),
        ({"seed": str(2**32)}, ConfigError, r"seed: expected an integer in \[0, 2\*\*32\), got 4294967296"),
        ({"epoch": "3"}, UnknownNameError, r"unknown config key 'epoch' for entry 'digits_cnn'. Did you mean 'epochs'"),
    ],
)
def test_entry_configs_out_of_range(overrides, error, message):
    with CompilationLog() as compilation, pytest.raises(error, match=message):
        zoo.build("digits_cnn", overrides)
    assert compilation.compiles("train_step") == 0
