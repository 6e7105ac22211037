"""Generated bad input (hypothesis): ``--set`` values, dataset arrays handed to ``fit`` and to a
step, ``zoo generate`` arguments. Each is refused with a message, never with a traceback and
before anything is compiled, or accepted, and then it holds what makes it acceptable: finite
hyperparameters, a model whose parameter shapes are valid, arrays of the spec's shapes and dtypes.
Derandomized: the same cases every run; each test checks it ran all of its own."""

import math
import os
import sys

import jax
import numpy as np
import pytest
from harness_helpers import SPEC, fresh_state
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import jax_zoo as zoo
import jax_zoo.api.build
import jax_zoo.api.generate
from jax_zoo.train import CompilationLog, InputError, accuracy, fit, make_eval_step, make_train_step, softmax_cross_entropy
from jax_zoo.cli import main
from jax_zoo.core import registry

pytestmark = pytest.mark.slow

# No shrinking: a failure shows the generated case as found, and CI time stays bounded.
FUZZ = settings(
    derandomize=True, database=None, deadline=None, phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


class Accepted(Exception):
    """Raised where the accepted input would go on to compile: the checks before it all passed."""


def run_cases(cases: int, strategies: dict, case) -> None:
    """Runs ``case(**drawn)`` on ``cases`` derandomized draws of ``strategies`` and checks that
    every one of them ran (a count inside the test, so no way of splitting the module can skip it)."""
    ran = []

    @settings(FUZZ, max_examples=cases)
    @given(**strategies)
    def one(**drawn):
        ran.append(1)
        case(**drawn)

    one()
    assert len(ran) == cases


def one_paragraph(err: str) -> bool:
    return "Traceback" not in err and len(err.strip().splitlines()) == 1


# --set NAME=VALUE: any text, and text spelling the numbers that break parsers.
NUMBER_TEXT = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "-inf", "inf", "1e309", "-0", "0x10", "1_000", "true", "yes", "", " ", "٣", "１"]),
)
SET_VALUES = st.one_of(NUMBER_TEXT, st.text(max_size=30))
FUZZED_ENTRIES = ["digits_cnn", "names_bilstm", "fashion_resnet", "kjv_char_lstm"]
INIT_VARIABLES = zoo.api.build.init_variables


def assert_acceptable(entry: str, key: str, value: str, experiment) -> None:
    """What an accepted ``--set`` must give: finite numbers, a batch the split can fill, a seed
    JAX can hold, and a model whose parameters have positive shapes of a floating dtype."""
    config = zoo.resolve_config(entry, {key: value})
    assert all(math.isfinite(v) for v in config.values() if isinstance(v, float)), config
    assert 1 <= experiment.batch_size <= zoo.split_size(experiment.dataset, experiment.train_split)
    assert experiment.epochs >= 1 and 0 <= experiment.seed < 2**32
    shapes = jax.eval_shape(lambda: INIT_VARIABLES(experiment))
    for leaf in jax.tree.leaves(shapes["params"]):
        assert all(0 < size < 2**31 for size in leaf.shape) and np.issubdtype(leaf.dtype, np.floating), leaf


def test_set_values_are_refused_in_one_paragraph_or_reach_the_build_acceptable(tmp_path_factory, monkeypatch, capsys):
    built = []

    def accepted(experiment, *args, **kwargs):
        built.append(experiment)
        raise Accepted

    monkeypatch.setattr(zoo.api.build, "init_variables", accepted)

    def case(entry, data, value):
        key = data.draw(st.sampled_from(list(registry.default_config(entry)) + ["unknown_key"]))
        workdir = tmp_path_factory.mktemp("set") / "run"
        built.clear()
        with CompilationLog() as compilation:
            try:
                code = main(["train", entry, "--workdir", str(workdir), "--set", f"{key}={value}", "--no-progress"])
            except Accepted:
                code = None
        _, err = capsys.readouterr()
        assert not workdir.exists()
        if code is not None:  # accepted values reach the build, which may first probe which XLA options jaxlib takes
            assert code == 2 and one_paragraph(err), err
            assert compilation.compiles() == 0
            return
        assert_acceptable(entry, key, value, built[0])
        if os.environ.get("FUZZ_SHOW_ACCEPTED"):
            print(f"accepted {entry} {key}={value!r}", file=sys.__stderr__)

    run_cases(250, {"entry": st.sampled_from(FUZZED_ENTRIES), "data": st.data(), "value": SET_VALUES}, case)


@pytest.mark.parametrize("entry, setting, message", [
    ("kjv_char_lstm", "hidden_size=3384232172", "kjv_char_lstm: a size in the config is too large for the model (Python integer 3384232172 out of bounds for int32)"),
    ("names_bilstm", f"embed_dim={10**40}", "expected each dimension below 2**31"),
    ("names_bilstm", f"ensemble_size={10**40}", f"ensemble_size: expected at most 64, got {10**40}"),
    ("kjv_char_lstm", "num_layers=15285653", "num_layers: expected at most 64, got 15285653"),
])
def test_sizes_beyond_what_xla_holds_are_refused_in_one_paragraph(entry, setting, message, tmp_path, capsys):
    code = main(["train", entry, "--workdir", str(tmp_path / "run"), "--set", setting, "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and one_paragraph(err) and message in err, err
    assert not (tmp_path / "run").exists()


# Dataset arrays handed to fit: any rank, shape and dtype, NaN, empty, labels of any range.
DTYPES = st.sampled_from([np.float32, np.float64, np.float16, np.int32, np.int64, np.uint8, np.bool_, np.complex64])
SHAPES = st.one_of(
    st.just((6, 8, 8, 1)),
    hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=9),
    st.tuples(st.integers(0, 7)).map(lambda n: (n[0], 8, 8, 1)),
)


@st.composite
def datasets(draw):
    inputs = draw(hnp.arrays(DTYPES, SHAPES))
    targets = draw(hnp.arrays(
        st.sampled_from([np.int32, np.int64, np.float32]),
        st.one_of(st.just((len(inputs) if inputs.ndim else 0,)), hnp.array_shapes(min_dims=0, max_dims=2, max_side=8)),
        elements=st.integers(-3, 12),
    ))
    arrays = {"inputs": inputs, "targets": targets}
    if draw(st.booleans()):
        del arrays[draw(st.sampled_from(["inputs", "targets"]))]
    return arrays


@pytest.fixture(scope="module")
def state():
    return fresh_state()


@pytest.fixture(scope="module")
def steps():
    return (
        make_train_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC),
        make_eval_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC),
    )


class RefuseToReplicate:
    """A ``parallel`` for ``fit`` that stops at its first use, right after the input checks."""

    device_count = 1

    def replicate(self, state):
        raise Accepted


def test_fit_refuses_unusable_data_before_compiling_or_takes_data_of_the_spec(steps, state):
    train_step, eval_step = steps

    def case(train_data, batch_size, epochs, seed):
        with CompilationLog() as compilation:
            try:
                fit(
                    state, train_step=train_step, eval_step=eval_step, train_data=train_data, eval_data=None,
                    batch_size=batch_size, epochs=epochs, seed=seed, progress=False, num_classes=10,
                    parallel=RefuseToReplicate(),
                )
            except InputError as error:
                assert str(error)
            except Accepted:
                inputs, targets = train_data["inputs"], train_data["targets"]
                assert inputs.shape[1:] == (8, 8, 1) and np.issubdtype(inputs.dtype, np.floating)
                assert targets.shape == (len(inputs),) and np.issubdtype(targets.dtype, np.integer)
                assert targets.min() >= 0 and targets.max() < 10
                assert 1 <= batch_size <= len(inputs) and epochs >= 1 and 0 <= seed < 2**32
            else:
                pytest.fail("fit returned without reaching its first step")
        assert compilation.compiles() == 0

    run_cases(200, {
        "train_data": datasets(), "batch_size": st.integers(-2, 12), "epochs": st.integers(-1, 3),
        "seed": st.sampled_from([0, -1, 2**32, 7]),
    }, case)


def test_a_step_refuses_a_wrong_batch_before_compiling_or_runs_one_of_the_spec(steps, state):
    _, eval_step = steps

    def case(batch):
        with CompilationLog() as compilation:
            try:
                metrics = eval_step(state, batch)
            except InputError as error:
                assert str(error).startswith("eval_step: ")
                assert compilation.compiles() == 0
                return
        sizes = {len(batch[key]) for key in SPEC}
        assert len(sizes) == 1 and sizes.pop() >= 1
        for key, spec in SPEC.items():
            assert batch[key].shape[1:] == spec.shape and batch[key].dtype.kind == np.dtype(spec.dtype).kind, key
        assert set(metrics) >= {"loss", "accuracy"}

    run_cases(100, {"batch": datasets()}, case)


# zoo generate: any prompt, length, temperature, top-k and seed.
@pytest.fixture(scope="module")
def language_model(tmp_path_factory):
    from test_generate import save_untrained_run

    workdir = save_untrained_run(tmp_path_factory.mktemp("lm"), "kjv_char_lstm", {"hidden_size": 8, "embed_dim": 4})
    from jax_zoo.api.pretrained import from_workdir

    return workdir, from_workdir(workdir)


def test_generate_refuses_bad_arguments_in_one_paragraph_or_accepts_what_the_sampler_takes(language_model, capsys, monkeypatch):
    workdir, restored = language_model

    def accepted(*args, **kwargs):
        raise Accepted

    monkeypatch.setattr(zoo.api.generate, "from_workdir", lambda *args: restored)
    monkeypatch.setattr(zoo.api.generate, "make_sampler", accepted)

    def case(prompt, length, temperature, top_k, seed):
        args = ["generate", "kjv_char_lstm", "--workdir", str(workdir), f"--prompt={prompt}", f"--length={length}",
                f"--temperature={temperature!r}", f"--top-k={top_k}", f"--seed={seed}"]
        with CompilationLog() as compilation:
            try:
                code = main(args)
            except Accepted:
                code = None
        _, err = capsys.readouterr()
        assert compilation.compiles() == 0
        if code is None:
            vocabulary = zoo.api.generate.VOCABULARIES["kjv"]
            assert 0 < len(prompt) <= 256 and 0 < temperature < math.inf and 0 <= top_k <= vocabulary.size
            # the sampler scans over length steps with int32 positions, from a uint32 seed
            assert 1 <= length < 2**31 and 0 <= seed < 2**32
        else:
            assert code == 2 and one_paragraph(err), err

    run_cases(150, {
        "prompt": st.text(max_size=300),
        "length": st.one_of(st.integers(-5, 5), st.integers(-(10**30), 10**30)),
        "temperature": st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0, 1e-45])),
        "top_k": st.one_of(st.integers(-3, 200), st.integers(-(10**30), 10**30)),
        "seed": st.one_of(st.integers(-3, 3), st.integers(-(10**30), 10**30)),
    }, case)
