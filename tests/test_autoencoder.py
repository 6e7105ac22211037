import jax
import jax.numpy as jnp
import pytest

from jax_zoo.models import ConvAutoencoder


@pytest.mark.slow
def test_reconstructs_the_input_shape_in_the_unit_interval():
    model = ConvAutoencoder(widths=(8, 16))
    x = jax.random.uniform(jax.random.PRNGKey(0), (3, 28, 28, 1))
    variables = model.init(jax.random.PRNGKey(1), x)
    out = model.apply(variables, x)
    assert out.shape == x.shape and float(out.min()) > 0 and float(out.max()) < 1
    assert variables["params"]["encoder2"]["kernel"].shape == (3, 3, 8, 16)
    colour = jax.eval_shape(ConvAutoencoder(widths=(4,)).init, jax.random.PRNGKey(0), jnp.zeros((1, 32, 32, 3)))
    assert colour["params"]["output"]["kernel"].shape == (3, 3, 4, 3)


def test_sizes_that_do_not_halve_cleanly_are_rejected():
    with pytest.raises(ValueError, match=r"multiples of 4, got shape \[1, 30, 30, 1\]"):
        ConvAutoencoder(widths=(8, 16)).init(jax.random.PRNGKey(0), jnp.zeros((1, 30, 30, 1)))
