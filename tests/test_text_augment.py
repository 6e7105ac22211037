import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_zoo.train.text_augment import token_dropout


@pytest.mark.slow
def test_token_dropout_replaces_about_rate_of_the_real_tokens_and_never_padding():
    tokens = jnp.array([[5, 6, 7, 8, 0, 0]] * 500)
    augmented = token_dropout(0.25, replacement_id=1)(jax.random.PRNGKey(0), tokens)
    assert (augmented[:, 4:] == 0).all()
    replaced = (augmented[:, :4] == 1).mean()
    assert 0.2 < replaced < 0.3
    np.testing.assert_array_equal(jnp.where(augmented == 1, tokens, augmented), tokens)


def test_token_dropout_rate_is_checked():
    with pytest.raises(ValueError, match=r"rate: expected a value in \[0, 1\), got 1.5"):
        token_dropout(1.5, replacement_id=1)
