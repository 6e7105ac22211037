"""PyTorch networks that compute what the zoo's recurrent classifiers and language model compute.

Each takes the flax model's fields, by the same names. Token ids are ``[batch, time]``,
right-padded with 0 as the zoo's are; layers are named as
``jax_zoo.port`` names them (a recurrent stack is one ``nn.LSTM`` or ``nn.GRU`` called ``rnn``).
Classifiers run their recurrent layers over packed sequences, so padding never enters a real
position, as flax's ``seq_lengths`` ensure on the other side. Parameters start from PyTorch's
default initialization.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

PAD_ID = 0


def lengths(tokens: torch.Tensor) -> torch.Tensor:
    """``[batch]``: the non-padding tokens of each row."""
    return (tokens != PAD_ID).sum(dim=1)


def at_last_token(sequence: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """``sequence[b, length_b - 1]`` of ``[batch, time, features]``."""
    return sequence[torch.arange(len(tokens), device=tokens.device), (lengths(tokens) - 1).clamp(min=0)]


def packed_run(rnn: nn.RNNBase, embedded: torch.Tensor, tokens: torch.Tensor, initial=None):
    """``rnn`` over each row's real tokens: ``(outputs [batch, time, features], final state)``;
    outputs are zero past a row's end. A row without tokens reads one (masked by the callers)."""
    real = lengths(tokens).clamp(min=1).cpu()
    packed = pack_padded_sequence(embedded, real, batch_first=True, enforce_sorted=False)
    outputs, state = rnn(packed, initial)
    outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=tokens.shape[1])
    return outputs, state


class TutorialRNN(nn.Module):
    """``jax_zoo.models.TutorialRNN``: one-hot characters; i2h and i2o read cat(input, hidden);
    log-probabilities at each row's last real character."""

    def __init__(self, vocab_size, num_classes, hidden_size=128, linear_hidden=False):
        super().__init__()
        self.vocab_size, self.hidden_size, self.linear_hidden = vocab_size, hidden_size, linear_hidden
        self.i2h = nn.Linear(vocab_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(vocab_size + hidden_size, num_classes)

    def forward(self, tokens):
        hidden = torch.zeros(len(tokens), self.hidden_size, device=tokens.device)
        outputs = []
        for step in range(tokens.shape[1]):
            combined = torch.cat([F.one_hot(tokens[:, step], self.vocab_size).float(), hidden], dim=1)
            outputs.append(F.log_softmax(self.i2o(combined), dim=1))
            hidden = self.i2h(combined)
            if not self.linear_hidden:
                hidden = torch.tanh(hidden)
        return at_last_token(torch.stack(outputs, dim=1), tokens)


class NgramEmbed(nn.Module):
    """``jax_zoo.models.NgramEmbed``: hashed embeddings of the n-grams ending at each position,
    the same polynomial hash modulo ``buckets``, one table per order, named ``order_N``."""

    def __init__(self, vocab_size: int, features: int, orders, buckets: int):
        super().__init__()
        self.vocab_size, self.orders, self.buckets = vocab_size, sorted(orders), buckets
        self.tables = nn.ModuleDict({f"order_{order}": nn.Embedding(buckets, features) for order in self.orders})

    def forward(self, tokens):
        longest, time = max(self.orders), tokens.shape[1]
        boundary = torch.full((len(tokens), longest - 1), self.vocab_size, dtype=torch.long, device=tokens.device)
        history = torch.cat([boundary, tokens.long()], dim=1)
        total = 0
        for order in self.orders:
            ids = torch.zeros_like(tokens, dtype=torch.long)
            for offset in range(order):
                start = offset + longest - order
                ids = (ids * (self.vocab_size + 1) + history[:, start : start + time]) % self.buckets
            total = total + self.tables[f"order_{order}"](ids)
        return total


def recurrent_layer(cell_type: str, in_features: int, hidden_size: int, num_layers: int, dropout: float,
                    bidirectional: bool = False) -> nn.RNNBase:
    """One ``nn.LSTM`` or ``nn.GRU`` for a ``RecurrentStack``: dropout between layers, as flax's stack."""
    layer = {"lstm": nn.LSTM, "gru": nn.GRU}[cell_type]
    return layer(in_features, hidden_size, num_layers, batch_first=True, bidirectional=bidirectional,
                 dropout=dropout if num_layers > 1 else 0.0)


class SequenceClassifier(nn.Module):
    """``jax_zoo.models.SequenceClassifier``: embedding (+ hashed n-grams, dropout) -> packed
    LSTM/GRU stack -> final state, masked mean or masked max -> dropout -> linear."""

    def __init__(self, vocab_size, num_classes, embed_dim=64, hidden_size=128, num_layers=1, cell_type="lstm",
                 bidirectional=True, dropout_rate=0.0, pooling="final", embedding_dropout=0.0, ngram_orders=(),
                 ngram_buckets=16381):
        super().__init__()
        self.hidden_size, self.bidirectional, self.pooling = hidden_size, bidirectional, pooling
        self.dropout_rate, self.embedding_dropout = dropout_rate, embedding_dropout
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.ngrams = NgramEmbed(vocab_size, embed_dim, ngram_orders, ngram_buckets) if ngram_orders else None
        self.rnn = recurrent_layer(cell_type, embed_dim, hidden_size, num_layers, dropout_rate, bidirectional)
        self.classifier = nn.Linear(hidden_size * (2 if bidirectional else 1), num_classes)

    def forward(self, tokens):
        embedded = self.embed(tokens)
        if self.ngrams is not None:
            embedded = embedded + self.ngrams(tokens)
        embedded = F.dropout(embedded, self.embedding_dropout, self.training)
        outputs, _ = packed_run(self.rnn, embedded, tokens)
        real = (tokens != PAD_ID)[..., None]
        if self.pooling == "mean":
            pooled = (outputs * real).sum(dim=1) / real.sum(dim=1).clamp(min=1)
        elif self.pooling == "max":
            pooled = outputs.masked_fill(~real, -math.inf).amax(dim=1)
        else:
            pooled = at_last_token(outputs[..., : self.hidden_size], tokens)
            if self.bidirectional:
                pooled = torch.cat([pooled, outputs[:, 0, self.hidden_size :]], dim=1)
        return self.classifier(F.dropout(pooled, self.dropout_rate, self.training))


class CharLanguageModel(nn.Module):
    """``jax_zoo.models.CharLanguageModel``: embedding -> ``nn.LSTM`` stack -> dropout -> linear
    readout: next-token logits ``[batch, time, vocab]``. Its windows are full (no padding), so
    the LSTM runs unpacked."""

    def __init__(self, vocab_size, embed_dim=64, hidden_size=256, num_layers=1, dropout_rate=0.0):
        super().__init__()
        self.dropout_rate = dropout_rate
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.rnn = recurrent_layer("lstm", embed_dim, hidden_size, num_layers, dropout_rate)
        self.readout = nn.Linear(hidden_size, vocab_size)

    def forward(self, tokens):
        outputs, _ = self.rnn(self.embed(tokens))
        return self.readout(F.dropout(outputs, self.dropout_rate, self.training))
