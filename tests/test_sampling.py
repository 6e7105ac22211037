"""The sampling loop: deterministic per key, fixed shapes, one trace for any prompt and seed."""

import jax
import jax.numpy as jnp
import numpy as np

from jax_zoo.train.sampling import sample_continuation, sample_token

VOCAB = 6


def counting_step(carry, tokens):
    """A toy model: next token is ``(token + 1) % VOCAB`` with high probability."""
    return carry + 1, 8.0 * jax.nn.one_hot((tokens + 1) % VOCAB, VOCAB)


def test_same_key_same_tokens_and_shapes():
    start = 8.0 * jax.nn.one_hot(jnp.array([2]), VOCAB)
    run = jax.jit(lambda key, t: sample_continuation(counting_step, 0, start, key, length=7, temperature=t))
    first, again = run(jax.random.PRNGKey(0), 1.0), run(jax.random.PRNGKey(0), 1.0)
    assert first.shape == (1, 7) and first.dtype == jnp.int32
    np.testing.assert_array_equal(first, again)
    hot = [run(jax.random.PRNGKey(seed), 50.0) for seed in range(4)]
    assert any(not np.array_equal(hot[0], other) for other in hot[1:]), "a high temperature spreads the draws"


def test_top_1_is_greedy():
    start = 8.0 * jax.nn.one_hot(jnp.array([2]), VOCAB)
    tokens = sample_continuation(counting_step, 0, start, jax.random.PRNGKey(3), length=5, temperature=100.0, top_k=1)
    np.testing.assert_array_equal(tokens, [[2, 3, 4, 5, 0]])


def test_top_k_keeps_only_the_k_likeliest():
    logits = jnp.log(jnp.array([[0.1, 0.4, 0.3, 0.2]]))
    draws = {int(sample_token(jax.random.PRNGKey(i), logits, 1.0, top_k=2)[0]) for i in range(50)}
    assert draws == {1, 2}


def test_one_trace_serves_every_key_and_temperature():
    traces = []

    def sample(key, temperature):
        traces.append(1)
        start = jnp.zeros((1, VOCAB))
        return sample_continuation(counting_step, 0, start, key, length=20, temperature=temperature, top_k=3)

    run = jax.jit(sample)
    for seed in range(3):
        run(jax.random.PRNGKey(seed), jnp.float32(0.5 + seed))
    assert len(traces) == 1
