"""Generated bad input (hypothesis): ``--set`` values, dataset arrays handed to ``fit`` and to a
step, ``zoo generate`` arguments. Each is refused with a message, or accepted, never with a
traceback, and nothing is compiled before a refusal. Derandomized: the same cases every run."""

import collections
import math
import os
import sys

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

CASES = collections.Counter()
# No shrinking: a failure shows the generated case as found, and CI time stays bounded.
FUZZ = settings(
    derandomize=True, database=None, deadline=None, phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


class Accepted(Exception):
    """Raised where the accepted input would go on to compile: the checks before it all passed."""


@pytest.fixture(scope="module", autouse=True)
def case_counts():
    yield
    print(f"\nfuzzed cases: {dict(CASES)}, {sum(CASES.values())} in all")


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


@settings(FUZZ, max_examples=250)
@given(entry=st.sampled_from(FUZZED_ENTRIES), data=st.data(), value=SET_VALUES)
def test_set_values_are_refused_in_one_paragraph_or_reach_the_build(entry, data, value, tmp_path_factory, monkeypatch, capsys):
    keys = list(registry.default_config(entry)) + ["unknown_key"]
    key = data.draw(st.sampled_from(keys))
    workdir = tmp_path_factory.mktemp("set") / "run"

    def accepted(*args, **kwargs):
        raise Accepted

    monkeypatch.setattr(zoo.api.build, "init_variables", accepted)
    with CompilationLog() as compilation:
        try:
            code = main(["train", entry, "--workdir", str(workdir), "--set", f"{key}={value}", "--no-progress"])
        except Accepted:
            code = None
    _, err = capsys.readouterr()
    CASES["--set"] += 1
    assert not workdir.exists()
    if code is not None:  # accepted values reach the build, which may first probe which XLA options jaxlib takes
        assert code == 2 and one_paragraph(err), err
        assert compilation.compiles() == 0
    elif os.environ.get("FUZZ_SHOW_ACCEPTED"):
        print(f"accepted {entry} {key}={value!r}", file=sys.__stderr__)


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


@settings(FUZZ, max_examples=200)
@given(train_data=datasets(), batch_size=st.integers(-2, 12), epochs=st.integers(-1, 3), seed=st.sampled_from([0, -1, 2**32, 7]))
def test_fit_refuses_unusable_data_before_compiling(steps, state, train_data, batch_size, epochs, seed):
    train_step, eval_step = steps
    with CompilationLog() as compilation:
        try:
            fit(
                state, train_step=train_step, eval_step=eval_step, train_data=train_data, eval_data=None,
                batch_size=batch_size, epochs=epochs, seed=seed, progress=False, num_classes=10,
                parallel=RefuseToReplicate(),
            )
        except (InputError, Accepted) as outcome:
            if isinstance(outcome, Accepted):
                inputs, targets = train_data["inputs"], train_data["targets"]
                assert inputs.shape[1:] == (8, 8, 1) and np.issubdtype(inputs.dtype, np.floating)
                assert targets.ndim == 1 and targets.min() >= 0 and targets.max() < 10
            else:
                assert str(outcome)
    CASES["fit data"] += 1
    assert compilation.compiles() == 0


@settings(FUZZ, max_examples=100)
@given(batch=datasets())
def test_a_step_refuses_a_wrong_batch_before_compiling(steps, state, batch):
    _, eval_step = steps
    with CompilationLog() as compilation:
        try:
            eval_step(state, batch)
            refused = False
        except InputError as error:
            refused = True
            assert str(error).startswith("eval_step: ")
    CASES["step batch"] += 1
    if refused:
        assert compilation.compiles() == 0


# zoo generate: any prompt, length, temperature, top-k and seed.
@pytest.fixture(scope="module")
def language_model(tmp_path_factory):
    from test_generate import save_untrained_run

    workdir = save_untrained_run(tmp_path_factory.mktemp("lm"), "kjv_char_lstm", {"hidden_size": 8, "embed_dim": 4})
    from jax_zoo.api.pretrained import from_workdir

    return workdir, from_workdir(workdir)


@settings(FUZZ, max_examples=150)
@given(
    prompt=st.text(max_size=300),
    length=st.one_of(st.integers(-5, 5), st.integers(-(10**30), 10**30)),
    temperature=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0, 1e-45])),
    top_k=st.one_of(st.integers(-3, 200), st.integers(-(10**30), 10**30)),
    seed=st.one_of(st.integers(-3, 3), st.integers(-(10**30), 10**30)),
)
def test_generate_refuses_bad_arguments_in_one_paragraph(language_model, prompt, length, temperature, top_k, seed, capsys, monkeypatch):
    workdir, restored = language_model

    def accepted(*args, **kwargs):
        raise Accepted

    monkeypatch.setattr(zoo.api.generate, "from_workdir", lambda *args: restored)
    monkeypatch.setattr(zoo.api.generate, "make_sampler", accepted)
    args = ["generate", "kjv_char_lstm", "--workdir", str(workdir), f"--prompt={prompt}", f"--length={length}",
            f"--temperature={temperature!r}", f"--top-k={top_k}", f"--seed={seed}"]
    with CompilationLog() as compilation:
        try:
            code = main(args)
        except Accepted:
            code = None
    _, err = capsys.readouterr()
    CASES["zoo generate"] += 1
    assert compilation.compiles() == 0
    if code is None:
        vocabulary = zoo.api.generate.VOCABULARIES["kjv"]
        assert 0 < len(prompt) <= 256 and 1 <= length and 0 < temperature < math.inf and 0 <= top_k <= vocabulary.size
        assert 0 <= seed < 2**32
    else:
        assert code == 2 and one_paragraph(err), err


def test_at_least_500_cases_were_generated():
    """Runs last in this module: the generated cases above, counted."""
    if len(CASES) < 4:
        pytest.skip("only part of this module ran")
    assert sum(CASES.values()) >= 500, CASES
