"""Greedy and beam search: beam 1 is greedy, beam finds what greedy misses, a wide beam is exhaustive."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jax_zoo.models import Seq2Seq
from jax_zoo.models.decoding import beam_search, decode, greedy_search, length_normalizer, repeated_ngram_mask
from jax_zoo.models.seq2seq import Encoded, allowed_logits

BOS, EOS = 2, 3


def tiny_model(vocab: int = 6, source_length: int = 5) -> Seq2Seq:
    return Seq2Seq(
        source_vocab_size=7, target_vocab_size=vocab, source_length=source_length, bos_id=BOS, eos_id=EOS,
        embed_dim=4, hidden_size=8,
    )


def init(model: Seq2Seq, seed: int, scale: float = 3.0):
    """Random weights, scaled up so the model's choices are far from uniform."""
    x = jnp.zeros((1, model.source_length + 4), jnp.int32)
    variables = model.init(jax.random.PRNGKey(seed), x)
    return jax.tree.map(lambda leaf: leaf * scale, variables)


SOURCES = np.array([[4, 5, 6, 0, 0], [6, 6, 4, 5, 4], [5, 0, 0, 0, 0]], np.int32)


def seq2seq_step_fn(model, variables):
    def step_fn(encoded, carry, tokens):
        carry, logits, weights = model.apply(variables, carry, tokens, encoded, method=Seq2Seq.decode_step)
        return carry, jax.nn.log_softmax(allowed_logits(logits, BOS)), weights

    return step_fn


@pytest.mark.slow
def test_a_beam_of_one_is_greedy_search():
    model = tiny_model(vocab=9)
    for seed in range(3):
        variables = init(model, seed, scale=1.0)
        greedy_tokens, greedy_attention = decode(model, variables, SOURCES, beam_size=1, max_length=7)
        encoded, carry = model.apply(variables, SOURCES, method=Seq2Seq.encode)
        tokens, _, attention = beam_search(
            seq2seq_step_fn(model, variables), encoded, carry, beam_size=1, bos_id=BOS, eos_id=EOS, max_length=7,
            length_penalty=0.6,
        )
        np.testing.assert_array_equal(tokens[:, 0], greedy_tokens)
        np.testing.assert_allclose(attention[:, 0], greedy_attention, atol=1e-6)


def table_step_fn(table):
    """A toy decoder whose next-token distribution depends on the previous token only."""
    log_table = jnp.log(jnp.asarray(table, jnp.float32))

    def step_fn(static, carry, tokens):
        return carry, log_table[tokens], jnp.zeros((tokens.shape[0], 1))

    return step_fn


@pytest.mark.slow
def test_beam_search_finds_the_likeliest_sentence_that_greedy_search_misses():
    # Tokens: 0 pad, 1 unused, 2 BOS, 3 EOS, 4 "a", 5 "b". After BOS: "a" 0.6, "b" 0.4; after "a"
    # nothing stands out (a, b, EOS about 1/3 each); after "b", EOS is certain.
    tiny = 1e-9
    table = np.full((6, 6), tiny)
    table[BOS, [4, 5]] = [0.6, 0.4]
    table[4, [4, 5, EOS]] = [0.34, 0.33, 0.33]
    table[5, EOS] = 1.0
    table[EOS, EOS] = 1.0
    static, carry = jnp.zeros((1, 1)), jnp.zeros((1, 1))
    step_fn = table_step_fn(table / table.sum(axis=1, keepdims=True))
    greedy, greedy_log_prob, _ = greedy_search(step_fn, static, carry, bos_id=BOS, eos_id=EOS, max_length=4)
    beam, scores, _ = beam_search(step_fn, static, carry, beam_size=2, bos_id=BOS, eos_id=EOS, max_length=4)
    assert greedy[0, 0] == 4 and np.exp(greedy_log_prob[0]) < 0.25
    np.testing.assert_array_equal(beam[0, 0], [5, EOS, 0, 0])
    assert np.exp(scores[0, 0]) == pytest.approx(0.4, rel=1e-5)


def sequence_scores(step_fn, encoded, carry, sequences, length_penalty):
    """Each ``sequences`` row's score, by running the decoder over it: ``[rows]``."""
    count, max_length = sequences.shape
    encoded = jax.tree.map(lambda leaf: jnp.repeat(leaf, count, axis=0), encoded)
    carry = jax.tree.map(lambda leaf: jnp.repeat(leaf, count, axis=0), carry)
    tokens, total = jnp.full((count,), BOS), np.zeros(count)
    lengths = np.array([list(row).index(EOS) + 1 if EOS in row else max_length for row in sequences])
    for t in range(max_length):
        carry, log_probs, _ = step_fn(encoded, carry, tokens)
        tokens = jnp.asarray(sequences[:, t])
        total += np.where(t < lengths, np.asarray(log_probs)[np.arange(count), sequences[:, t]], 0.0)
    return total / np.asarray(length_normalizer(lengths, length_penalty))


def every_output(emitted: list[int], max_length: int) -> np.ndarray:
    """Every sequence a decoder can write: ending in EOS within ``max_length``, or reaching it."""
    rows = []
    for length in range(1, max_length + 1):
        for prefix in itertools.product(emitted, repeat=length - 1):
            rows.append([*prefix, EOS] + [0] * (max_length - length))
    rows += [list(row) for row in itertools.product(emitted, repeat=max_length)]
    return np.array(rows, np.int32)


@pytest.mark.slow
@pytest.mark.parametrize("seed, length_penalty", [(0, 0.0), (1, 0.0), (2, 1.0), (3, 0.6)])
def test_a_beam_as_wide_as_every_output_returns_the_best_one(seed, length_penalty):
    model, max_length = tiny_model(vocab=6), 3
    variables = init(model, seed)
    step_fn = seq2seq_step_fn(model, variables)
    source = SOURCES[seed % len(SOURCES)][None]
    encoded, carry = model.apply(variables, source, method=Seq2Seq.encode)
    outputs = every_output([1, 4, 5], max_length)  # what may be emitted: anything but padding and BOS
    assert len(outputs) == 40
    scores = sequence_scores(step_fn, encoded, carry, outputs, length_penalty)
    tokens, beam_scores, _ = beam_search(
        step_fn, encoded, carry, beam_size=len(outputs), bos_id=BOS, eos_id=EOS, max_length=max_length,
        length_penalty=length_penalty,
    )
    best = np.argmax(scores)
    np.testing.assert_array_equal(tokens[0, 0], outputs[best])
    assert beam_scores[0, 0] == pytest.approx(scores[best], abs=1e-4)
    np.testing.assert_allclose(np.sort(beam_scores[0])[::-1], np.sort(scores)[::-1], atol=1e-4)


def has_repeated_ngram(row, size: int) -> bool:
    grams = [tuple(row[i : i + size]) for i in range(len(row) - size + 1)]
    return len(grams) != len(set(grams))


def test_the_repeat_mask_blocks_exactly_the_tokens_that_would_repeat_an_ngram():
    rng, vocab, length = np.random.default_rng(0), 4, 7
    tokens = rng.integers(0, vocab, (50, length)).astype(np.int32)
    for size in range(1, 5):
        for t in range(length):
            mask = np.asarray(repeated_ngram_mask(jnp.asarray(tokens), t, size, vocab))
            for row in range(len(tokens)):
                written = [int(token) for token in tokens[row, :t]]
                earlier = {tuple(written[i : i + size]) for i in range(t - size + 1)}
                expected = [t + 1 >= size and tuple((written + [token])[-size:]) in earlier for token in range(vocab)]
                assert list(mask[row]) == expected, (size, t, written)


@pytest.mark.slow
@pytest.mark.parametrize("size", [1, 2])
def test_blocking_repeats_keeps_greedy_and_beam_search_off_a_loop(size):
    # After BOS "a"; after "a" "b", after "b" "a", each 0.95 against EOS: unblocked, both searches loop.
    table = np.full((6, 6), 1e-9)
    table[BOS, 4] = 1.0
    table[4, [5, EOS]] = [0.95, 0.05]
    table[5, [4, EOS]] = [0.95, 0.05]
    step_fn = table_step_fn(table / table.sum(axis=1, keepdims=True))
    static, carry = jnp.zeros((1, 1)), jnp.zeros((1, 1))
    options = {"bos_id": BOS, "eos_id": EOS, "max_length": 8}
    looping, _, _ = greedy_search(step_fn, static, carry, **options)
    looping_beam, _, _ = beam_search(step_fn, static, carry, beam_size=3, **options)
    assert list(np.asarray(looping[0])) == list(np.asarray(looping_beam[0, 0])) == [4, 5] * 4
    greedy, _, _ = greedy_search(step_fn, static, carry, no_repeat_ngram=size, **options)
    beam, _, _ = beam_search(step_fn, static, carry, beam_size=3, no_repeat_ngram=size, **options)
    # Greedy writes until the next token would repeat; the beam finds that "a" EOS (0.05) beats both.
    np.testing.assert_array_equal(greedy[0], {1: [4, 5, EOS], 2: [4, 5, 4, EOS]}[size] + [0] * (6 - size))
    np.testing.assert_array_equal(beam[0, 0], [4, EOS, 0, 0, 0, 0, 0, 0])


@pytest.mark.slow
@pytest.mark.parametrize("seed, size", [(0, 2), (1, 2), (2, 1)])
def test_a_beam_as_wide_as_every_output_without_repeats_returns_the_best_of_those(seed, size):
    model, max_length = tiny_model(vocab=6), 4
    variables = init(model, seed)
    step_fn = seq2seq_step_fn(model, variables)
    encoded, carry = model.apply(variables, SOURCES[seed % len(SOURCES)][None], method=Seq2Seq.encode)
    outputs = every_output([1, 4, 5], max_length)
    allowed = np.array([not has_repeated_ngram([t for t in row if t], size) for row in outputs])
    scores = np.where(allowed, sequence_scores(step_fn, encoded, carry, outputs, 0.6), -np.inf)
    tokens, beam_scores, _ = beam_search(
        step_fn, encoded, carry, beam_size=len(outputs), bos_id=BOS, eos_id=EOS, max_length=max_length,
        length_penalty=0.6, no_repeat_ngram=size,
    )
    np.testing.assert_array_equal(tokens[0, 0], outputs[np.argmax(scores)])
    assert beam_scores[0, 0] == pytest.approx(scores.max(), abs=1e-4)
    assert np.isfinite(beam_scores[0]).sum() == allowed.sum()


@pytest.mark.slow
@pytest.mark.parametrize("beam_size", [1, 3])
def test_padding_the_source_batch_never_changes_a_translation(beam_size):
    model = tiny_model(vocab=9)
    variables = init(model, 5, scale=1.0)
    alone = [decode(model, variables, source[None], beam_size=beam_size, max_length=6) for source in SOURCES]
    filler = np.zeros((5, SOURCES.shape[1]), np.int32)  # empty rows, as an evaluation batch is padded
    filler[1, :2] = [4, 4]
    tokens, attention = decode(model, variables, np.concatenate([filler[:2], SOURCES, filler[2:]]),
                               beam_size=beam_size, max_length=6)
    for row, (tokens_alone, attention_alone) in enumerate(alone):
        np.testing.assert_array_equal(tokens[2 + row], tokens_alone[0])
        np.testing.assert_allclose(attention[2 + row], attention_alone[0], atol=1e-5)


@pytest.mark.slow
def test_attention_never_reads_padding_and_outputs_end_with_padding():
    model = tiny_model(vocab=9)
    tokens, attention = decode(model, init(model, 0, scale=1.0), SOURCES, beam_size=2, max_length=6)
    lengths = (SOURCES != 0).sum(axis=1)
    for row, length in enumerate(lengths):
        assert np.all(np.asarray(attention)[row, :, length:] == 0)
        ids = list(np.asarray(tokens[row]))
        if EOS in ids:
            assert all(i == 0 for i in ids[ids.index(EOS) + 1 :])


def test_encoded_is_what_the_decoder_reads():
    model = tiny_model()
    encoded, _ = model.apply(init(model, 0), SOURCES, method=Seq2Seq.encode)
    assert isinstance(encoded, Encoded) and encoded.memory.shape == (3, 5, 16)
    np.testing.assert_array_equal(encoded.mask, SOURCES != 0)
