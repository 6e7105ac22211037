import os
import subprocess
import sys

import pytest
from ci_setup import require_ci_setup

from jax_zoo.train import xla_flags


def _in_fresh_python(code: str, **environment: str) -> str:
    env = {name: value for name, value in os.environ.items() if name not in ("XLA_FLAGS", xla_flags.OPT_OUT_VARIABLE)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env | environment, capture_output=True, text=True, timeout=120, check=True
    )
    return result.stdout.strip()


SHOW = (
    "import os, jax_zoo.train; from jax_zoo.train import xla_flags; xla_flags.apply_defaults(); "
    "print(os.environ.get('XLA_FLAGS'), '|', xla_flags.user_flags())"
)


@pytest.mark.slow
def test_importing_train_adds_no_flag():
    code = "import os, jax_zoo.train, jax_zoo; print(os.environ.get('XLA_FLAGS'))"
    assert _in_fresh_python(code) == "None"


@pytest.mark.slow
def test_apply_defaults_adds_the_default_flags_but_records_none_as_the_users():
    assert _in_fresh_python(SHOW) == f"{' '.join(xla_flags.DEFAULT_FLAGS)} |"


@pytest.mark.slow
def test_a_flag_the_user_set_keeps_the_users_value():
    flags = "--xla_backend_optimization_level=3 --xla_cpu_enable_fast_math=false"
    assert _in_fresh_python(SHOW, XLA_FLAGS=flags) == f"{flags} | {flags}"


@pytest.mark.slow
def test_the_package_flags_can_be_turned_off():
    assert _in_fresh_python(SHOW, ZOO_XLA_DEFAULTS="0") == "None |"


def test_an_entrys_flags_compile_its_steps_even_after_jax_started_and_stay_out_of_xla_flags(monkeypatch, own_registrations):
    import jax.numpy as jnp
    import optax

    import jax_zoo as zoo
    from jax_zoo.models import SimpleCNN
    from jax_zoo.train import softmax_cross_entropy

    jnp.ones(1).block_until_ready()
    monkeypatch.setenv("XLA_FLAGS", "")

    @zoo.register(name="digits_cnn_small_heaps")
    def entry(*, epochs: int = 1) -> zoo.Experiment:
        return zoo.Experiment(
            SimpleCNN(num_classes=10), optax.sgd(0.1), softmax_cross_entropy, "digits", 32, epochs,
            xla_flags=(xla_flags.SMALL_HEAPS, "--xla_cpu_enable_fast_math=false"),
        )

    built = zoo.build("digits_cnn_small_heaps")
    expected = {"xla_multiheap_size_constraint_per_heap": 25165824, "xla_cpu_enable_fast_math": False}
    for step in (built.train_step, built.eval_step, built.predict_step):
        assert step.compiler_options == expected
    assert built.xla_options == expected
    assert os.environ["XLA_FLAGS"] == ""


def test_a_step_is_compiled_with_its_options():
    import jax
    import jax.numpy as jnp

    from jax_zoo.train import Step

    def matmul(state, batch):
        return state @ batch

    require_ci_setup(jax.default_backend() == "cpu", "JAX's CPU backend, whose XLA has YNNPACK fusions")
    x = jnp.ones((64, 64))
    plain = Step(matmul, name="plain", donate_state=False, example_spec=None)
    with_option = Step(matmul, name="with_option", donate_state=False, example_spec=None,
                       compiler_options={"xla_cpu_experimental_ynn_fusion_type": ""})
    # On this CPU, XLA hands the product to YNNPACK unless the option turns that off.
    assert "ynn_fusion" in plain.jitted.lower(x, x).compile().as_text()
    assert "ynn_fusion" not in with_option.jitted.lower(x, x).compile().as_text()


def test_an_option_this_jaxlib_refuses_is_left_out_with_a_warning(monkeypatch):
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    with pytest.warns(UserWarning, match=r"fast entry: XLA option xla_no_such_option=1 left out, jaxlib \S+ refuses "
                                         r"it \(INVALID_ARGUMENT: No such compile option: 'xla_no_such_option'\)"):
        options = xla_flags.compiler_options(["--xla_no_such_option=1", xla_flags.SMALL_HEAPS], reason="fast entry")
    assert options == {"xla_multiheap_size_constraint_per_heap": 25165824}


def test_an_option_the_user_set_in_xla_flags_keeps_the_users_value(monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", "--xla_multiheap_size_constraint_per_heap=1048576")
    assert xla_flags.compiler_options([xla_flags.SMALL_HEAPS, "--xla_cpu_enable_fast_math=false"], reason="x") == {
        "xla_cpu_enable_fast_math": False
    }
    monkeypatch.setenv(xla_flags.OPT_OUT_VARIABLE, "0")
    assert xla_flags.compiler_options([xla_flags.SMALL_HEAPS], reason="x") == {}


def test_options_read_as_xla_flags_read_them():
    assert xla_flags.parse_option("--xla_cpu_use_fusion_emitters=false") == ("xla_cpu_use_fusion_emitters", False)
    assert xla_flags.parse_option("xla_multiheap_size_constraint_per_heap=25165824") == (
        "xla_multiheap_size_constraint_per_heap", 25165824
    )
    assert xla_flags.parse_option("--xla_cpu_experimental_ynn_fusion_type=") == (
        "xla_cpu_experimental_ynn_fusion_type", ""
    )
    assert xla_flags.as_flags({"xla_cpu_use_fusion_emitters": False, "xla_cpu_experimental_ynn_fusion_type": ""}) == (
        "--xla_cpu_use_fusion_emitters=false --xla_cpu_experimental_ynn_fusion_type="
    )
    with pytest.raises(ValueError, match=r"expected NAME=VALUE with an XLA option name \(xla_\.\.\.\), got '--fast'"):
        xla_flags.parse_option("--fast")


def test_an_experiment_names_its_flags_as_a_tuple_of_xla_flags():
    import optax

    from jax_zoo.models import SimpleCNN
    from jax_zoo.train import softmax_cross_entropy
    from jax_zoo import ConfigError, Experiment

    def experiment(flags):
        return Experiment(SimpleCNN(), optax.sgd(0.1), softmax_cross_entropy, "digits", 32, 1, xla_flags=flags)

    assert experiment(("--xla_cpu_enable_fast_math=false",)).xla_flags == ("--xla_cpu_enable_fast_math=false",)
    with pytest.raises(ConfigError, match=r"xla_flags: expected a tuple of '--xla_\.\.\.' strings, got '--xla_a=1'"):
        experiment("--xla_a=1")


def test_the_entries_flags_are_options_this_xla_takes_and_the_entries_that_gain_ask_for_small_heaps():
    import jax_zoo as zoo
    for entry in ("fashion_simple_cnn", "kjv_char_lstm", "fashion_resnet"):
        flags = zoo.get(entry)().xla_flags
        assert flags and (xla_flags.SMALL_HEAPS in flags) == (entry != "fashion_resnet")
        assert {flag: xla_flags.refusal(*xla_flags.parse_option(flag)) for flag in flags} == dict.fromkeys(flags)
