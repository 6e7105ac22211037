"""Greedy and beam-search decoding as pure functions with fixed shapes, for ``jax.jit``.

A decoder is ``step_fn(static, carry, tokens <int32>[n]) -> (carry, log_probs <float32>[n, vocab],
extras)``: ``static`` is what every step reads unchanged (an encoded source), ``carry`` the
recurrent state, ``extras`` a pytree of per-step ``[n, ...]`` arrays to keep with each hypothesis
(attention weights). Tokens a decoder must never emit have log-probability -inf. Both searches
loop with ``lax.while_loop`` until every hypothesis has ended (``eos_id``) or ``max_length``
tokens; outputs are ``<int32>[..., max_length]`` with ``PAD_ID`` (0) after ``eos_id``.

A hypothesis of ``n`` tokens (its ``eos_id`` included) scores ``log p / ((5 + n) / 6) **
length_penalty`` (Wu et al. 2016); one that reaches ``max_length`` without ``eos_id`` ends there.
``no_repeat_ngram = n > 0`` forbids a hypothesis any token that would repeat one of its own
n-grams (Paulus et al. 2017's trigram blocking for ``n = 3``), against outputs that loop.
``decode`` runs a ``jax_zoo.models.Seq2Seq``: the encoder once per source, then either search.
"""

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
from jax import lax

from jax_zoo.models.rnn import PAD_ID
from jax_zoo.models.seq2seq import Seq2Seq, allowed_logits

StepFn = Callable
"""``step_fn(static, carry, tokens) -> (carry, log_probs, extras)``, as above."""


def _batch_size(tree) -> int:
    return jax.tree.leaves(tree)[0].shape[0]


def _empty_history(extras, rows: tuple[int, ...], max_length: int):
    return jax.tree.map(lambda leaf: jnp.zeros((*rows, max_length, *leaf.shape[1:]), leaf.dtype), extras)


def repeated_ngram_mask(tokens: jax.Array, t, size: int, vocab: int) -> jax.Array:
    """``<bool>[n, vocab]``: the tokens that, written at position ``t`` after ``<int32>[n,
    length]`` ``tokens[:, :t]``, would repeat an n-gram of ``size`` tokens already there."""
    rows, length = tokens.shape
    if size < 1 or size > length:
        return jnp.zeros((rows, vocab), bool)
    starts = length - size + 1
    prefix = lax.dynamic_slice_in_dim(tokens, jnp.maximum(t - size + 1, 0), size - 1, axis=1)
    matches = jnp.arange(starts) <= t - size  # the n-grams that end before position t
    for offset in range(size - 1):
        matches = matches & (tokens[:, offset : offset + starts] == prefix[:, offset : offset + 1])
    follows = tokens[:, size - 1 :]
    blocked = jnp.zeros((rows, vocab), jnp.int32).at[jnp.arange(rows)[:, None], follows].max(matches.astype(jnp.int32))
    return blocked > 0


def _without_repeats(log_probs: jax.Array, tokens: jax.Array, t, size: int) -> jax.Array:
    if not size:
        return log_probs
    return jnp.where(repeated_ngram_mask(tokens, t, size, log_probs.shape[-1]), -jnp.inf, log_probs)


def greedy_search(
    step_fn: StepFn, static, carry, *, bos_id: int, eos_id: int, max_length: int, no_repeat_ngram: int = 0,
):
    """The arg-max token at every step: ``(tokens <int32>[batch, max_length], log_probs
    <float32>[batch], extras [batch, max_length, ...])``, extras 0 after a row's ``eos_id``."""
    batch = _batch_size(static)
    first = jnp.full((batch,), bos_id, jnp.int32)
    _, _, extras = jax.eval_shape(step_fn, static, carry, first)

    def body(state):
        t, carry, tokens, done, output, total, history = state
        carry, log_probs, extras = step_fn(static, carry, tokens)
        log_probs = _without_repeats(log_probs, output, t, no_repeat_ngram)
        chosen = log_probs.argmax(axis=-1).astype(jnp.int32)
        total = total + jnp.where(done, 0.0, jnp.take_along_axis(log_probs, chosen[:, None], axis=-1)[:, 0])
        chosen = jnp.where(done, PAD_ID, chosen)
        output = output.at[:, t].set(chosen)
        history = jax.tree.map(
            lambda past, now: past.at[:, t].set(jnp.where(done.reshape(-1, *[1] * (now.ndim - 1)), 0, now)),
            history, extras,
        )
        return t + 1, carry, chosen, done | (chosen == eos_id), output, total, history

    def running(state):
        t, _, _, done, *_ = state
        return (t < max_length) & ~done.all()

    start = (
        0, carry, first, jnp.zeros((batch,), bool), jnp.full((batch, max_length), PAD_ID, jnp.int32),
        jnp.zeros((batch,), jnp.float32), _empty_history(extras, (batch,), max_length),
    )
    *_, output, total, history = lax.while_loop(running, body, start)
    return output, total, history


def length_normalizer(length, length_penalty: float):
    """``((5 + length) / 6) ** length_penalty``: what a hypothesis's log-probability is divided by."""
    return ((5.0 + length) / 6.0) ** length_penalty


def beam_search(
    step_fn: StepFn, static, carry, *, beam_size: int, bos_id: int, eos_id: int, max_length: int,
    length_penalty: float = 0.0, no_repeat_ngram: int = 0,
):
    """The ``beam_size`` best hypotheses of each row, best first: ``(tokens <int32>[batch, beam,
    max_length], scores <float32>[batch, beam], extras [batch, beam, max_length, ...])``.

    Each step keeps the ``beam_size`` likeliest extensions of the live hypotheses; those that end
    (``eos_id``, or ``max_length`` tokens) leave the beam for a pool of the ``beam_size`` best
    finished ones, by score (their extras 0 after their end). The search stops when no live
    hypothesis can still beat the pool's worst (scores only fall as hypotheses grow, since
    ``length_penalty >= 0``). ``beam_size = 1`` is greedy search; a beam as wide as the number of
    possible outputs is an exhaustive search. Rows that finish fewer than ``beam_size``
    hypotheses fill the rest with score -inf.
    """
    if beam_size < 1 or max_length < 1 or length_penalty < 0 or no_repeat_ngram < 0:
        raise ValueError(
            f"expected beam_size >= 1, max_length >= 1, length_penalty >= 0 and no_repeat_ngram >= 0, got "
            f"{beam_size}, {max_length}, {length_penalty} and {no_repeat_ngram}"
        )
    batch, k = _batch_size(static), beam_size
    static = jax.tree.map(lambda leaf: jnp.repeat(leaf, k, axis=0), static)
    carry = jax.tree.map(lambda leaf: jnp.repeat(leaf, k, axis=0), carry)
    first = jnp.full((batch * k,), bos_id, jnp.int32)
    _, _, extras = jax.eval_shape(step_fn, static, carry, first)
    rows = jnp.arange(batch)[:, None]
    final_normalizer = length_normalizer(max_length, length_penalty)

    def pick(tree, index):
        """``tree[b, index[b, j]]`` for leaves ``[batch, m, ...]`` and ``index <int>[batch, j]``."""
        return jax.tree.map(lambda leaf: leaf[rows, index], tree)

    def body(state):
        t, carry, tokens, live, live_history, done, done_history = state
        live_tokens, live_scores = live
        carry, log_probs, extras = step_fn(static, carry, tokens)
        log_probs = _without_repeats(log_probs, live_tokens.reshape(batch * k, max_length), t, no_repeat_ngram)
        vocab = log_probs.shape[-1]
        candidates = (live_scores[:, :, None] + log_probs.reshape(batch, k, vocab)).reshape(batch, k * vocab)
        scores, index = lax.top_k(candidates, k)
        parent, token = index // vocab, (index % vocab).astype(jnp.int32)
        history = pick(live_history, parent)
        history = jax.tree.map(
            lambda past, now: past.at[:, :, t].set(now.reshape(batch, k, *now.shape[1:])[rows, parent]),
            history, extras,
        )
        sequences = pick(live_tokens, parent).at[:, :, t].set(token)
        ends = (token == eos_id) | (t == max_length - 1)
        ended_scores = jnp.where(ends, scores / length_normalizer(t + 1.0, length_penalty), -jnp.inf)
        done_tokens, done_scores = done
        done_scores, best = lax.top_k(jnp.concatenate([done_scores, ended_scores], axis=1), k)
        done_tokens = jnp.concatenate([done_tokens, sequences], axis=1)[rows, best]
        done_history = jax.tree.map(
            lambda kept, new: jnp.concatenate([kept, new], axis=1)[rows, best], done_history, history
        )
        live_scores = jnp.where(ends, -jnp.inf, scores)
        carry = jax.tree.map(
            lambda leaf: leaf.reshape(batch, k, *leaf.shape[1:])[rows, parent].reshape(leaf.shape), carry
        )
        live = (sequences, live_scores)
        return t + 1, carry, token.reshape(-1), live, history, (done_tokens, done_scores), done_history

    def running(state):
        t, _, _, live, _, done, _ = state
        can_improve = live[1].max(axis=1) / final_normalizer > done[1][:, -1]
        return (t < max_length) & can_improve.any()

    empty_tokens = jnp.full((batch, k, max_length), PAD_ID, jnp.int32)
    start_scores = jnp.full((batch, k), -jnp.inf).at[:, 0].set(0.0)  # one live hypothesis: no duplicates
    start = (
        0, carry, first, (empty_tokens, start_scores), _empty_history(extras, (batch, k), max_length),
        (empty_tokens, jnp.full((batch, k), -jnp.inf)), _empty_history(extras, (batch, k), max_length),
    )
    *_, (tokens, scores), history = lax.while_loop(running, body, start)
    return tokens, scores, history


@functools.partial(jax.jit, static_argnames=("model", "beam_size", "max_length", "length_penalty", "no_repeat_ngram"))
def decode(
    model, variables, source, *, beam_size: int, max_length: int, length_penalty: float = 0.0, no_repeat_ngram: int = 0,
):
    """A ``jax_zoo.models.Seq2Seq``'s output for ``<int32>[batch, source_length]`` source ids: ``(tokens
    <int32>[batch, max_length], attention <float32>[batch, max_length, source_length])``, greedy
    for ``beam_size = 1``, else the best hypothesis of a beam search. One compilation per model,
    batch and search option; the encoder runs once per source."""
    encoded, carry = model.apply(variables, source, method=Seq2Seq.encode)

    def step_fn(encoded, carry, tokens):
        carry, logits, weights = model.apply(variables, carry, tokens, encoded, method=Seq2Seq.decode_step)
        return carry, jax.nn.log_softmax(allowed_logits(logits, model.bos_id)), weights

    options = {
        "bos_id": model.bos_id, "eos_id": model.eos_id, "max_length": max_length, "no_repeat_ngram": no_repeat_ngram,
    }
    if beam_size == 1:
        tokens, _, attention = greedy_search(step_fn, encoded, carry, **options)
        return tokens, attention
    tokens, _, attention = beam_search(
        step_fn, encoded, carry, beam_size=beam_size, length_penalty=length_penalty, **options
    )
    return tokens[:, 0], attention[:, 0]
