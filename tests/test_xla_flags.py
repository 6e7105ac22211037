import os
import subprocess
import sys

import pytest

from train import xla_flags


def _in_fresh_python(code: str, **environment: str) -> str:
    env = {name: value for name, value in os.environ.items() if name not in ("XLA_FLAGS", xla_flags.OPT_OUT_VARIABLE)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env | environment, capture_output=True, text=True, timeout=120, check=True
    )
    return result.stdout.strip()


SHOW = "import os, train; from train import xla_flags; print(os.environ.get('XLA_FLAGS'), '|', xla_flags.user_flags())"


def test_importing_train_adds_the_default_flags_but_records_none_as_the_users():
    assert _in_fresh_python(SHOW) == f"{' '.join(xla_flags.DEFAULT_FLAGS)} |"


def test_a_flag_the_user_set_keeps_the_users_value():
    flags = "--xla_backend_optimization_level=3 --xla_cpu_enable_fast_math=false"
    assert _in_fresh_python(SHOW, XLA_FLAGS=flags) == f"{flags} | {flags}"


def test_the_package_flags_can_be_turned_off():
    assert _in_fresh_python(SHOW, ZOO_XLA_DEFAULTS="0") == "None |"


def test_an_entrys_flags_are_added_before_jax_starts_and_left_out_of_the_users():
    code = (
        "import os, train; from train import xla_flags\n"
        "xla_flags.add_flags(['--xla_cpu_experimental_ynn_fusion_type='], reason='test')\n"
        "import jax.numpy as jnp; jnp.ones(2).block_until_ready()\n"
        "print(os.environ['XLA_FLAGS'], '|', xla_flags.user_flags(), '|', ' '.join(xla_flags.added_flags()))"
    )
    out = _in_fresh_python(code, XLA_FLAGS="--xla_cpu_enable_fast_math=false")
    added = [*xla_flags.DEFAULT_FLAGS, "--xla_cpu_experimental_ynn_fusion_type="]
    assert out == f"--xla_cpu_enable_fast_math=false {' '.join(added)} | --xla_cpu_enable_fast_math=false | {' '.join(added)}"


def test_flags_asked_for_after_jax_started_warn_and_change_nothing(monkeypatch):
    import jax.numpy as jnp

    jnp.ones(1).block_until_ready()
    monkeypatch.setenv("XLA_FLAGS", "")
    with pytest.warns(UserWarning, match="--xla_cpu_enable_fast_math=true not applied, JAX has already started"):
        assert xla_flags.add_flags(["--xla_cpu_enable_fast_math=true"], reason="fast entry") == []
    assert os.environ["XLA_FLAGS"] == ""


def test_an_experiment_names_its_flags_as_a_tuple_of_xla_flags():
    import optax

    from models import SimpleCNN
    from train import softmax_cross_entropy
    from zoo import ConfigError, Experiment

    def experiment(flags):
        return Experiment(SimpleCNN(), optax.sgd(0.1), softmax_cross_entropy, "digits", 32, 1, xla_flags=flags)

    assert experiment(("--xla_cpu_enable_fast_math=false",)).xla_flags == ("--xla_cpu_enable_fast_math=false",)
    with pytest.raises(ConfigError, match=r"xla_flags: expected a tuple of '--xla_\.\.\.' strings, got '--xla_a=1'"):
        experiment("--xla_a=1")


def test_the_small_heaps_flag_is_one_this_xla_knows_and_the_entries_that_gain_ask_for_it():
    import zoo

    # XLA aborts on a flag it does not know, so a renamed flag fails here rather than in a user's run.
    code = "import jax.numpy as jnp; print(float(jnp.ones(3).sum()))"
    assert _in_fresh_python(code, XLA_FLAGS=xla_flags.SMALL_HEAPS) == "3.0"
    for entry in ("fashion_simple_cnn", "kjv_char_lstm"):
        assert xla_flags.SMALL_HEAPS in zoo.get(entry)().xla_flags
