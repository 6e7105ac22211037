"""bfloat16 compute with float32 parameters and optimizer state."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jax_zoo as zoo


def dtypes(tree) -> set[str]:
    return {str(leaf.dtype) for leaf in jax.tree.leaves(tree) if jnp.issubdtype(leaf.dtype, jnp.floating)}


@pytest.mark.slow
def test_parameters_and_optimizer_state_stay_float32_while_compute_is_bfloat16():
    built = zoo.build("digits_cnn", {"compute_dtype": "bfloat16"})
    state, model = built.state, built.experiment.model
    assert dtypes(state.params) == dtypes(state.opt_state) == {"float32"}
    images = jnp.zeros((4, 8, 8, 1), jnp.float32)
    assert model.apply({"params": state.params}, images).dtype == jnp.bfloat16
    jaxpr = str(jax.make_jaxpr(lambda p: model.apply({"params": p}, images))(state.params))
    assert "conv_general_dilated" in jaxpr and "bf16[4,6,6,32]" in jaxpr and "bf16[4,128]" in jaxpr
    batch = {"inputs": np.zeros((32, 8, 8, 1), np.float32), "targets": np.zeros(32, np.int32)}
    state, metrics = built.train_step(state, batch)
    assert dtypes(state.params) == dtypes(state.opt_state) == {"float32"}
    assert metrics["loss"].dtype == jnp.float32


@pytest.mark.slow
def test_bfloat16_training_reaches_float32_accuracy_on_digits(tmp_path):
    overrides = {"epochs": 8}
    full = zoo.train_and_evaluate("digits_cnn", tmp_path / "f32", overrides, progress=False)
    mixed = zoo.train_and_evaluate("digits_cnn", tmp_path / "bf16", overrides | {"compute_dtype": "bfloat16"}, progress=False)
    assert mixed["test"]["accuracy"] == pytest.approx(full["test"]["accuracy"], abs=0.02)
    assert mixed["test"]["accuracy"] > 0.95


def test_unknown_compute_dtype_is_named():
    with pytest.raises(zoo.ConfigError, match="compute_dtype: expected one of float32, bfloat16, float16, got 'fp8'"):
        zoo.build("digits_cnn", {"compute_dtype": "fp8"})
