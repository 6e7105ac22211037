"""A PyTorch network that computes what ``jax_zoo.models.Seq2Seq`` computes, and its greedy decoding.

``inputs`` pack the source ids and the decoder's input ids side by side, ``[batch, source_length +
target_length]``, right-padded with 0 (``jax_zoo.models.pack_inputs``). The encoder is one
bidirectional ``nn.LSTM``/``nn.GRU`` over the packed source (flax's forward and backward encoders
are its two directions); the decoder a one-direction layer over the previous tokens, started
from ``tanh(bridge(mean encoder output))``; Luong's global attention without input feeding, so
under teacher forcing the decoder runs over all steps at once. The network takes the flax
model's fields, by the same names; parameters start from PyTorch's default initialization.
"""

import torch
import torch.nn.functional as F
from torch import nn

from jax_zoo.bench.torch_recurrent import PAD_ID, packed_run, recurrent_layer

_MASKED = -1e9  # a padding score: its weight underflows to exactly 0 in float32
_TINY = 1e-30


class Attention(nn.Module):
    """``jax_zoo.models.Attention``: additive (``v . tanh(W q + U k)``) or multiplicative (``q . W k``)."""

    def __init__(self, kind: str, memory_features: int, features: int):
        super().__init__()
        self.kind = kind
        self.key_projection = nn.Linear(memory_features, features, bias=False)
        if kind == "additive":
            self.query_projection = nn.Linear(features, features)
            self.energy = nn.Linear(features, 1, bias=False)

    def forward(self, query, keys, memory, mask):
        """``(context [batch, steps, memory features], weights [batch, steps, source])``."""
        if self.kind == "additive":
            hidden = torch.tanh(keys[:, None] + self.query_projection(query)[:, :, None])
            scores = self.energy(hidden)[..., 0]
        else:
            scores = torch.bmm(query, keys.transpose(1, 2))
        weights = torch.softmax(scores.masked_fill(~mask[:, None], _MASKED), dim=-1)
        return torch.bmm(weights, memory), weights


class Seq2Seq(nn.Module):
    """Embedding -> bidirectional encoder -> decoder with attention -> logits ``[batch, target
    length, target vocab]`` (log-probabilities with ``copy_source``, as the flax model's)."""

    def __init__(self, source_vocab_size, target_vocab_size, source_length, bos_id, eos_id, embed_dim=64,
                 hidden_size=128, cell_type="lstm", attention="multiplicative", dropout_rate=0.0, copy_source=False):
        super().__init__()
        self.source_length, self.bos_id, self.eos_id = source_length, bos_id, eos_id
        self.cell_type, self.dropout_rate, self.copy_source = cell_type, dropout_rate, copy_source
        self.source_embed = nn.Embedding(source_vocab_size, embed_dim)
        self.encoder = recurrent_layer(cell_type, embed_dim, hidden_size, 1, 0.0, bidirectional=True)
        self.bridge = nn.Linear(2 * hidden_size, hidden_size)
        self.target_embed = nn.Embedding(target_vocab_size, embed_dim)
        self.decoder = recurrent_layer(cell_type, embed_dim, hidden_size, 1, 0.0)
        self.attend = Attention(attention, 2 * hidden_size, hidden_size)
        self.combine = nn.Linear(3 * hidden_size, hidden_size)
        self.readout = nn.Linear(hidden_size, target_vocab_size)
        if copy_source:
            self.generate_gate = nn.Linear(3 * hidden_size, 1)

    def encode(self, source):
        """``(encoded, initial decoder state)``; encoded is ``(memory, keys, mask, source)``."""
        mask = source != PAD_ID
        memory, _ = packed_run(self.encoder, self.source_embed(source), source)
        memory = F.dropout(memory, self.dropout_rate, self.training)
        real = mask[..., None].to(memory.dtype)
        mean = (memory * real).sum(dim=1) / real.sum(dim=1).clamp(min=1.0)
        hidden = torch.tanh(self.bridge(mean))[None]
        state = (hidden, torch.zeros_like(hidden)) if self.cell_type == "lstm" else hidden
        return (memory, self.attend.key_projection(memory), mask, source), state

    def decode(self, state, tokens, encoded):
        """Decoder steps over ``[batch, steps]`` previous tokens: ``(state, logits [batch, steps, vocab])``."""
        memory, keys, mask, source = encoded
        states, state = self.decoder(self.target_embed(tokens), state)
        states = F.dropout(states, self.dropout_rate, self.training)
        context, weights = self.attend(states, keys, memory, mask)
        attended = torch.cat([states, context], dim=-1)
        combined = torch.tanh(self.combine(attended))
        logits = self.readout(F.dropout(combined, self.dropout_rate, self.training))
        if self.copy_source:
            generate = torch.sigmoid(self.generate_gate(attended))
            copied = torch.zeros_like(logits).scatter_add_(2, source[:, None].expand(-1, tokens.shape[1], -1), weights)
            logits = torch.log((generate * torch.softmax(logits, dim=-1) + (1 - generate) * copied).clamp(min=_TINY))
        return state, logits

    def forward(self, inputs):
        encoded, state = self.encode(inputs[:, : self.source_length])
        return self.decode(state, inputs[:, self.source_length :], encoded)[1]


@torch.no_grad()
def greedy_decode(network: Seq2Seq, source: torch.Tensor, max_length: int, decode_step=None):
    """The arg-max token at every step until every row has emitted ``eos_id`` or ``max_length``
    tokens, as ``jax_zoo.models.decoding.greedy_search`` decides: ``(tokens [batch, max_length],
    steps taken)``. ``decode_step`` (default ``network.decode``) may be a compiled version."""
    decode_step = decode_step or network.decode
    encoded, state = network.encode(source)
    tokens = torch.full((len(source),), network.bos_id, dtype=torch.long, device=source.device)
    done = torch.zeros(len(source), dtype=torch.bool, device=source.device)
    output = torch.full((len(source), max_length), PAD_ID, dtype=torch.long, device=source.device)
    steps = 0
    while steps < max_length:
        state, logits = decode_step(state, tokens[:, None], encoded)
        logits = logits[:, 0].clone()
        logits[:, [PAD_ID, network.bos_id]] = -torch.inf
        tokens = torch.where(done, PAD_ID, logits.argmax(dim=-1))
        output[:, steps] = tokens
        done |= tokens == network.eos_id
        steps += 1
        if bool(done.all()):
            break
    return output, steps

