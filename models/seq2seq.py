"""An attention encoder-decoder over right-padded token ids (Bahdanau et al. 2015, Luong et al. 2015).

A batch's ``inputs`` pack the source and the decoder's input side by side,
``<int32>[batch, source_length + target_length]``: the source ids right-padded with ``PAD_ID`` (0),
then the target shifted right behind ``bos_id`` (teacher forcing), so the model is called as every
other model, ``apply(variables, inputs, train=...)``, and returns next-token logits
``<float32>[batch, target_length, target_vocab_size]`` to compare with the targets (the target
followed by ``eos_id``, right-padded). ``pack_inputs`` builds them.

The encoder is a bidirectional LSTM or GRU; the decoder a recurrent layer of the same kind over the
previous tokens, whose initial state is a dense layer of the encoder's mean output. Each decoder
state attends over the encoder outputs, padding masked out (additive, Bahdanau's score
``v . tanh(W q + U k)``, or multiplicative, Luong's ``q . W k``), and the logits are read from
``tanh(W [state; context])`` (Luong's global attention without input feeding: the attention does
not enter the recurrence, so under teacher forcing the decoder runs over every step first and then
every step attends at once). Every step's attention weights
``<float32>[batch, target_length, source_length]`` are sown in ``intermediates/attention``.
``encode`` and ``decode_step`` are the two halves ``jax_zoo.models.decoding`` searches with.

With ``copy_source`` (See et al. 2017's pointer-generator; source and target ids must be one
vocabulary), each step mixes two distributions: the readout's softmax, weighted by a learned
gate ``p = sigmoid(w . [state; context] + b)``, and, weighted by ``1 - p``, its attention weights
summed onto the source tokens they fall on, so a token of the source, an identifier say, can be
written out whether or not the readout learned it. The model then returns the log of the mixture,
which is already log-probabilities; everything that takes logits (the cross-entropy,
``log_softmax``, the searches) reads it unchanged.
"""

from typing import NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp

from jax_zoo.models.rnn import CELLS, PAD_ID, ModuleDef, RecurrentStack, lengths_from_padding

ATTENTIONS = ("additive", "multiplicative")
_MASKED = -1e9  # a score for padding: its weight underflows to exactly 0 in float32
_TINY = 1e-30  # the least probability a copying decoder gives a token: its log stays finite


class Encoded(NamedTuple):
    """What the decoder reads of a source batch: ``memory <float>[batch, source, 2 * hidden]`` (the
    encoder outputs), ``keys`` (their attention projection), ``mask <bool>[batch, source]`` and the
    ``source <int32>[batch, source]`` ids themselves (what a copying decoder copies)."""

    memory: jax.Array
    keys: jax.Array
    mask: jax.Array
    source: jax.Array


def pack_inputs(source: jax.Array, decoder_inputs: jax.Array) -> jax.Array:
    """``<int32>[batch, source_length + target_length]``: the model's inputs from right-padded
    ``source`` ids and ``decoder_inputs`` (``bos_id`` then the target, right-padded)."""
    return jnp.concatenate([source, decoder_inputs], axis=-1).astype(jnp.int32)


def allowed_logits(logits: jax.Array, bos_id: int) -> jax.Array:
    """``logits`` with padding and ``bos_id`` at -inf: tokens a decoder never emits."""
    return logits.at[..., jnp.array([PAD_ID, bos_id])].set(-jnp.inf)


def copy_mixture(logits: jax.Array, generate: jax.Array, weights: jax.Array, source: jax.Array) -> jax.Array:
    """``log(generate * softmax(logits) + (1 - generate) * copied)``, ``<float32>[batch, steps, vocab]``:
    ``copied[b, t, v]`` is the attention ``weights <float>[batch, steps, source]`` summed over the
    positions whose ``source <int>[batch, source]`` id is ``v``; ``generate <float>[batch, steps, 1]``."""
    vocab = logits.shape[-1]
    copied = jax.vmap(lambda rows, ids: jnp.zeros((rows.shape[0], vocab), rows.dtype).at[:, ids].add(rows))(
        weights, source
    )
    mixture = generate * jax.nn.softmax(logits, axis=-1) + (1.0 - generate) * copied
    return jnp.log(jnp.maximum(mixture, _TINY))


def reverse_padded(tokens: jax.Array, lengths: jax.Array) -> jax.Array:
    """Each row's first ``lengths[b]`` entries of ``[batch, time, ...]`` reversed, padding left in place
    (its own inverse)."""
    time = jnp.arange(tokens.shape[1])[None]
    index = jnp.where(time < lengths[:, None], lengths[:, None] - 1 - time, time)
    index = index.reshape(index.shape + (1,) * (tokens.ndim - 2))
    return jnp.take_along_axis(tokens, index, axis=1)


class Attention(nn.Module):
    """Scores queries ``[batch, steps, features]`` against projected keys ``[batch, source, kf]``;
    ``__call__`` returns ``(context [batch, steps, memory features], weights [batch, steps, source])``."""

    kind: str
    features: int

    def setup(self):
        if self.kind not in ATTENTIONS:
            raise ValueError(f"attention: expected one of {ATTENTIONS}, got {self.kind!r}")
        self.key_projection = nn.Dense(self.features, use_bias=False)
        if self.kind == "additive":
            self.query_projection = nn.Dense(self.features)
            self.energy = nn.Dense(1, use_bias=False)

    def project_keys(self, memory: jax.Array) -> jax.Array:
        """``[batch, source, features]``, computed once per source."""
        return self.key_projection(memory)

    def __call__(self, query, keys, memory, mask):
        if self.kind == "additive":
            hidden = jnp.tanh(keys[:, None] + self.query_projection(query)[:, :, None])
            scores = self.energy(hidden)[..., 0]
        else:
            scores = jnp.einsum("bsf,btf->bts", keys, query)
        weights = jax.nn.softmax(jnp.where(mask[:, None], scores, _MASKED), axis=-1)
        return jnp.einsum("bts,bsf->btf", weights, memory), weights


class Seq2Seq(nn.Module):
    """Embedding -> bidirectional LSTM/GRU encoder -> LSTM/GRU decoder with attention -> logits.

    ``inputs <int32>[batch, source_length + target_length]`` (see ``pack_inputs``) ->
    ``<float32>[batch, target_length, target_vocab_size]``. ``hidden_size`` is each encoder
    direction's and the decoder's. ``dropout_rate`` drops the encoder's outputs and the decoder's
    states. ``copy_source`` adds the pointer-generator's copying (above), for ``source_vocab_size ==
    target_vocab_size``: the outputs are then log-probabilities. ``stack`` is the encoders' and the
    decoder's class (``RecurrentStack`` or a variant with its parameters).
    """

    source_vocab_size: int
    target_vocab_size: int
    source_length: int
    bos_id: int
    eos_id: int
    embed_dim: int = 64
    hidden_size: int = 128
    cell_type: str = "lstm"
    attention: str = "multiplicative"
    dropout_rate: float = 0.0
    copy_source: bool = False
    stack: ModuleDef = RecurrentStack

    def setup(self):
        if self.cell_type not in CELLS:
            raise ValueError(f"cell_type: expected one of {sorted(CELLS)}, got {self.cell_type!r}")
        if self.copy_source and self.source_vocab_size != self.target_vocab_size:
            raise ValueError(
                f"copy_source: expected source and target ids of one vocabulary, got vocabulary sizes "
                f"{self.source_vocab_size} and {self.target_vocab_size}"
            )
        self.source_embed = nn.Embed(self.source_vocab_size, self.embed_dim)
        self.forward_encoder = self.stack(self.hidden_size, cell_type=self.cell_type)
        self.backward_encoder = self.stack(self.hidden_size, cell_type=self.cell_type)
        self.bridge = nn.Dense(self.hidden_size)
        self.target_embed = nn.Embed(self.target_vocab_size, self.embed_dim)
        self.decoder = self.stack(self.hidden_size, cell_type=self.cell_type)
        self.attend = Attention(self.attention, self.hidden_size)
        self.combine = nn.Dense(self.hidden_size)
        self.readout = nn.Dense(self.target_vocab_size)
        if self.copy_source:
            self.generate_gate = nn.Dense(1)
        self.dropout = nn.Dropout(self.dropout_rate)

    def encode(self, source: jax.Array, *, train: bool = False):
        """``<int32>[batch, source_length]`` -> ``(Encoded, initial decoder carry)``.

        The backward direction is a forward stack over each row's reversed real tokens, so
        padding never reaches a real position.
        """
        mask = source != PAD_ID
        lengths = lengths_from_padding(source)
        forward = self.forward_encoder(source, lengths, embed=self.source_embed)
        backward = self.backward_encoder(reverse_padded(source, lengths), lengths, embed=self.source_embed)
        backward = reverse_padded(backward, lengths)
        memory = self.dropout(jnp.concatenate([forward, backward], axis=-1), deterministic=not train)
        real = mask[..., None].astype(memory.dtype)
        mean = (memory * real).sum(axis=1) / jnp.maximum(real.sum(axis=1), 1.0)
        hidden = jnp.tanh(self.bridge(mean))
        carry = (jnp.zeros_like(hidden), hidden) if self.cell_type == "lstm" else hidden
        return Encoded(memory, self.attend.project_keys(memory), mask, source), carry

    def _decode(self, carry, tokens, encoded: Encoded, train: bool):
        """Decoder steps over ``<int32>[batch, steps]`` previous tokens: ``(carry, logits <float32>[batch,
        steps, target_vocab_size], attention weights <float32>[batch, steps, source_length])``."""
        states, (carry,) = self.decoder(
            tokens, None, embed=self.target_embed, initial_carries=(carry,), return_carries=True
        )
        states = self.dropout(states, deterministic=not train)
        context, weights = self.attend(states, encoded.keys, encoded.memory, encoded.mask)
        attended = jnp.concatenate([states, context], axis=-1)
        combined = jnp.tanh(self.combine(attended))
        logits = self.readout(self.dropout(combined, deterministic=not train))
        if self.copy_source:
            logits = copy_mixture(logits, jax.nn.sigmoid(self.generate_gate(attended)), weights, encoded.source)
        return carry, logits, weights

    def decode_step(self, carry, tokens: jax.Array, encoded: Encoded):
        """One decoder step (inference) from ``<int32>[batch]`` previous tokens: ``(carry, logits
        <float32>[batch, target_vocab_size], attention weights <float32>[batch, source_length])``."""
        carry, logits, weights = self._decode(carry, tokens[:, None], encoded, train=False)
        return carry, logits[:, 0], weights[:, 0]

    def __call__(self, inputs: jax.Array, *, train: bool = False) -> jax.Array:
        source, decoder_inputs = inputs[:, : self.source_length], inputs[:, self.source_length :]
        encoded, carry = self.encode(source, train=train)
        _, logits, weights = self._decode(carry, decoder_inputs, encoded, train)
        self.sow("intermediates", "attention", weights)
        return logits
