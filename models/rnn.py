"""Recurrent networks over right-padded token ids: the tutorial RNN and LSTM/GRU stacks.

Inputs are ``<int32>[batch, time]`` token ids where ``PAD_ID`` (0) only ever follows the real
tokens of a sequence. Each model derives ``seq_lengths`` from the padding and hands it to
flax's ``nn.RNN``, so padded positions never change any output: the carry stops at the last
real token, and a backward RNN starts from it.
"""

from collections.abc import Callable
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

PAD_ID = 0
"""The token id of padding: positions holding it are masked out of the recurrence and the loss."""
CELLS: dict[str, type[nn.RNNCellBase]] = {"lstm": nn.OptimizedLSTMCell, "gru": nn.GRUCell}
POOLINGS = ("final", "mean", "max")
ModuleDef = Any


def lengths_from_padding(tokens: jax.Array) -> jax.Array:
    """``<int32>[batch]``: the number of non-padding tokens of each ``<int>[batch, time]`` row."""
    return (tokens != PAD_ID).sum(axis=-1).astype(jnp.int32)


def take_at(sequence: jax.Array, positions: jax.Array) -> jax.Array:
    """``sequence[b, positions[b]]`` for ``<float>[batch, time, features]``: ``[batch, features]``."""
    return jnp.take_along_axis(sequence, positions[:, None, None], axis=1)[:, 0]


class TutorialRNNCell(nn.RNNCellBase):
    """One step of the classic character-RNN tutorial's network.

    ``i2h`` and ``i2o`` both read ``concat(input, previous hidden)``; the output is the
    log-softmax of ``i2o``. With ``hidden_activation=None`` the hidden update is linear, as in
    the tutorial's code (it defines ``tanh`` but never applies it); ``jnp.tanh`` is the usual fix.
    """

    hidden_size: int
    num_classes: int
    hidden_activation: Callable[[jax.Array], jax.Array] | None = jnp.tanh

    @nn.compact
    def __call__(self, hidden: jax.Array, inputs: jax.Array) -> tuple[jax.Array, jax.Array]:
        combined = jnp.concatenate([inputs, hidden], axis=-1)
        new_hidden = nn.Dense(self.hidden_size, name="i2h")(combined)
        if self.hidden_activation is not None:
            new_hidden = self.hidden_activation(new_hidden)
        log_probs = nn.log_softmax(nn.Dense(self.num_classes, name="i2o")(combined))
        return new_hidden, log_probs

    def initialize_carry(self, rng: jax.Array, input_shape: tuple[int, ...]) -> jax.Array:
        """Zeros, like the tutorial's ``initHidden``."""
        return jnp.zeros((*input_shape[:-1], self.hidden_size))

    @property
    def num_feature_axes(self) -> int:
        return 1


class TutorialRNN(nn.Module):
    """The tutorial's surname classifier: one-hot characters through ``TutorialRNNCell``.

    Returns ``<float32>[batch, num_classes]`` log-probabilities: the cell's output at each
    sequence's last real character. ``linear_hidden=True`` is the tutorial's function exactly;
    the default applies ``tanh`` to the hidden state.
    """

    vocab_size: int
    num_classes: int
    hidden_size: int = 128
    linear_hidden: bool = False

    @nn.compact
    def __call__(self, tokens: jax.Array, *, train: bool = False) -> jax.Array:
        lengths = lengths_from_padding(tokens)
        cell = TutorialRNNCell(
            self.hidden_size, self.num_classes, hidden_activation=None if self.linear_hidden else jnp.tanh, name="cell"
        )
        log_probs = nn.RNN(cell, name="rnn")(jax.nn.one_hot(tokens, self.vocab_size), seq_lengths=lengths)
        return take_at(log_probs, jnp.maximum(lengths - 1, 0))


class RecurrentStack(nn.Module):
    """``num_layers`` LSTM or GRU layers (``nn.RNN`` over flax's cells) with dropout between them,
    optionally bidirectional.

    ``<float>[batch, time, features]`` -> ``<float32>[batch, time, hidden_size * directions]``;
    a bidirectional layer concatenates the forward and the backward outputs, both aligned with
    the input. ``seq_lengths`` (``<int>[batch]``, or None for full rows) marks where each row's
    real steps end. With ``embed`` (a module such as ``nn.Embed``), ``inputs`` are
    ``<int>[batch, time]`` token ids that ``embed`` turns into vectors: a variant of the stack
    may then read ``embed``'s table itself. With ``return_carries=True`` also returns each
    layer's carry at each row's last real step (unidirectional only); ``initial_carries`` starts
    each layer from a given carry.
    """

    hidden_size: int
    num_layers: int = 1
    cell_type: str = "lstm"
    bidirectional: bool = False
    dropout_rate: float = 0.0

    @nn.compact
    def __call__(
        self, inputs, seq_lengths, *, embed: nn.Module | None = None, train: bool = False, initial_carries=None,
        return_carries: bool = False,
    ):
        self.check_options(return_carries)
        cell_class = CELLS[self.cell_type]
        outputs = inputs if embed is None else embed(inputs)
        carries = []
        for layer in range(self.num_layers):
            if layer:
                outputs = nn.Dropout(self.dropout_rate, deterministic=not train)(outputs)
            if self.bidirectional:
                forward = nn.RNN(cell_class(self.hidden_size), name=f"forward_{layer}")
                backward = nn.RNN(cell_class(self.hidden_size), reverse=True, keep_order=True, name=f"backward_{layer}")
                outputs = nn.Bidirectional(forward, backward, name=f"bidirectional_{layer}")(outputs, seq_lengths=seq_lengths)
                continue
            initial = None if initial_carries is None else initial_carries[layer]
            # nn.RNN keeps every step's carry when asked for the final one: ask only when needed.
            result = nn.RNN(cell_class(self.hidden_size), name=f"forward_{layer}")(
                outputs, initial_carry=initial, seq_lengths=seq_lengths, return_carry=return_carries
            )
            if return_carries:
                carry, outputs = result
                carries.append(carry)
            else:
                outputs = result
        return (outputs, tuple(carries)) if return_carries else outputs

    def check_options(self, return_carries: bool) -> None:
        """Raises ``ValueError`` for a cell type it does not know, or carries asked of a bidirectional stack."""
        if self.cell_type not in CELLS:
            raise ValueError(f"cell_type: expected one of {sorted(CELLS)}, got {self.cell_type!r}")
        if return_carries and self.bidirectional:
            raise ValueError("return_carries: only unidirectional stacks return their carries")


class NgramEmbed(nn.Module):
    """Hashed embeddings of the n-grams ending at each position, summed over ``orders``.

    ``<int32>[batch, time]`` -> ``<float32>[batch, time, features]``. The n-gram of order ``n``
    at position ``t`` is ``tokens[t - n + 1 : t + 1]``; positions before the start read as a
    boundary symbol (id ``vocab_size``), so a sequence's first characters make n-grams of their
    own (a surname's "^Mc"). Each order has its own table of ``buckets`` rows, indexed by a
    polynomial hash of the n-gram modulo ``buckets``: n-grams that collide share a row, as in
    fastText. Only earlier tokens enter position ``t``, so padding after a sequence never
    changes its real positions.
    """

    vocab_size: int
    features: int
    orders: tuple[int, ...] = (2, 3, 4)
    buckets: int = 16381

    @nn.compact
    def __call__(self, tokens: jax.Array) -> jax.Array:
        if not self.orders or min(self.orders) < 2:
            raise ValueError(f"orders: expected n-gram orders of at least 2, got {self.orders}")
        if not 0 < self.buckets * (self.vocab_size + 1) < 2**31:
            raise ValueError(f"buckets: expected 0 < buckets * (vocab_size + 1) < 2**31, got {self.buckets}")
        total = jnp.zeros((*tokens.shape, self.features))
        for order in sorted(self.orders):
            ids = ngram_bucket_ids(tokens, order, self.vocab_size, self.buckets)
            total = total + nn.Embed(self.buckets, self.features, name=f"order_{order}")(ids)
        return total


def ngram_bucket_ids(tokens: jax.Array, order: int, vocab_size: int, buckets: int) -> jax.Array:
    """``<int32>[..., time]`` -> ``<int32>[..., time]``: the table row (``NgramEmbed``'s hash,
    modulo ``buckets``) of the n-gram of ``order`` tokens ending at each position, positions before
    the start read as the boundary symbol ``vocab_size``."""
    time = tokens.shape[-1]
    boundary = jnp.full((*tokens.shape[:-1], order - 1), vocab_size, jnp.int32)
    history = jnp.concatenate([boundary, jnp.asarray(tokens, jnp.int32)], axis=-1)
    ids = jnp.zeros(tokens.shape, jnp.int32)
    for offset in range(order):  # the n-gram's tokens, oldest first
        ids = (ids * (vocab_size + 1) + history[..., offset : offset + time]) % buckets
    return ids


class SequenceClassifier(nn.Module):
    """Embedding -> ``RecurrentStack`` -> final state, masked mean or masked max -> dense logits.

    ``<int32>[batch, time]`` -> ``<float32>[batch, num_classes]``. ``pooling="final"`` reads the
    forward output at the last real token (and, bidirectional, the backward output at the first);
    ``"mean"`` and ``"max"`` pool the outputs over the real tokens. ``dropout_rate`` drops pooled
    features (and between layers); ``embedding_dropout`` drops character embeddings before the RNN.
    ``ngram_orders`` (e.g. ``(2, 3, 4)``) adds ``NgramEmbed``'s hashed n-gram embeddings to the
    character embeddings, so the RNN reads each character with the n-grams it ends. ``stack`` is
    the recurrent stack's class (``RecurrentStack`` or a variant with its parameters).
    """

    vocab_size: int
    num_classes: int
    embed_dim: int = 64
    hidden_size: int = 128
    num_layers: int = 1
    cell_type: str = "lstm"
    bidirectional: bool = True
    dropout_rate: float = 0.0
    pooling: str = "final"
    embedding_dropout: float = 0.0
    ngram_orders: tuple[int, ...] = ()
    ngram_buckets: int = 16381
    stack: ModuleDef = RecurrentStack

    @nn.compact
    def __call__(self, tokens: jax.Array, *, train: bool = False) -> jax.Array:
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling: expected one of {POOLINGS}, got {self.pooling!r}")
        lengths = lengths_from_padding(tokens)
        embed = nn.Embed(self.vocab_size, self.embed_dim, name="embed")
        stack = self.stack(
            self.hidden_size, self.num_layers, self.cell_type, self.bidirectional, self.dropout_rate, name="rnn"
        )
        if self.ngram_orders or self.embedding_dropout:
            embedded = embed(tokens)
            if self.ngram_orders:
                embedded = embedded + NgramEmbed(
                    self.vocab_size, self.embed_dim, tuple(self.ngram_orders), self.ngram_buckets, name="ngrams"
                )(tokens)
            embedded = nn.Dropout(self.embedding_dropout, deterministic=not train)(embedded)
            outputs = stack(embedded, lengths, train=train)
        else:
            outputs = stack(tokens, lengths, embed=embed, train=train)
        real = (tokens != PAD_ID)[..., None]
        if self.pooling == "mean":
            pooled = (outputs * real).sum(axis=1) / jnp.maximum(real.sum(axis=1), 1)
        elif self.pooling == "max":
            pooled = jnp.where(real, outputs, -jnp.inf).max(axis=1)
        else:
            pooled = take_at(outputs[..., : self.hidden_size], jnp.maximum(lengths - 1, 0))
            if self.bidirectional:
                pooled = jnp.concatenate([pooled, outputs[:, 0, self.hidden_size :]], axis=-1)
        pooled = nn.Dropout(self.dropout_rate, deterministic=not train)(pooled)
        return nn.Dense(self.num_classes, name="classifier")(pooled)


class CharLanguageModel(nn.Module):
    """Embedding -> stacked LSTM -> dense over the vocabulary: next-token logits at every position.

    ``<int32>[batch, time]`` -> ``<float32>[batch, time, vocab_size]``. For sampling, pass
    ``return_carries=True`` (and ``initial_carries`` to continue from a previous call): the
    carries are taken at each row's last real token, so a right-padded prompt works. ``stack``
    is the recurrent stack's class (``RecurrentStack`` or a variant with its parameters).
    """

    vocab_size: int
    embed_dim: int = 64
    hidden_size: int = 256
    num_layers: int = 1
    dropout_rate: float = 0.0
    stack: ModuleDef = RecurrentStack

    @nn.compact
    def __call__(self, tokens: jax.Array, *, train: bool = False, initial_carries=None, return_carries=False):
        embed = nn.Embed(self.vocab_size, self.embed_dim, name="embed")
        result = self.stack(self.hidden_size, self.num_layers, "lstm", dropout_rate=self.dropout_rate, name="rnn")(
            tokens, lengths_from_padding(tokens), embed=embed, train=train,
            initial_carries=initial_carries, return_carries=return_carries,
        )
        outputs, carries = result if return_carries else (result, None)
        outputs = nn.Dropout(self.dropout_rate, deterministic=not train)(outputs)
        logits = nn.Dense(self.vocab_size, name="readout")(outputs)
        return (logits, carries) if return_carries else logits
