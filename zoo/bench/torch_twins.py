"""The PyTorch twin of a zoo model: the network that computes what the flax model computes in training.

``twin_network(model, input_shape)`` builds it from the flax module's fields (widths, dropout
rates, cell type...), which the PyTorch networks take by the same names. ``FlipAveraged`` trains its member unchanged, so its twin is the member's;
an ``Ensemble`` is its members side by side. Needs the optional ``torch`` extra.
"""

import inspect
import math

import torch
from torch import nn

from jax_zoo.models import (
    VGG, CharLanguageModel, ConvAutoencoder, Ensemble, FlipAveraged, LeNet5, ResNet, Seq2Seq, SequenceClassifier,
    SimpleCNN, TutorialRNN,
)
from jax_zoo.bench import torch_convnets, torch_recurrent, torch_seq2seq

NETWORKS: dict[type, type[nn.Module]] = {
    SimpleCNN: torch_convnets.SimpleCNN,
    LeNet5: torch_convnets.LeNet5,
    VGG: torch_convnets.VGG,
    ResNet: torch_convnets.ResNet,
    ConvAutoencoder: torch_convnets.ConvAutoencoder,
    TutorialRNN: torch_recurrent.TutorialRNN,
    SequenceClassifier: torch_recurrent.SequenceClassifier,
    CharLanguageModel: torch_recurrent.CharLanguageModel,
    Seq2Seq: torch_seq2seq.Seq2Seq,
}
"""Flax model class -> the PyTorch network, whose arguments are the flax model's fields of the
same names (and ``input_shape`` for images)."""


class MemberStack(nn.Module):
    """``jax_zoo.models.Ensemble``'s twin: ``members`` read the same batch. Independent members
    return ``[batch, members, classes]`` logits in training (for a loss averaged over members),
    the log of their mean probabilities in evaluation; dependent ones the mean log-softmax."""

    def __init__(self, members: list[nn.Module], independent: bool):
        super().__init__()
        self.members, self.independent = nn.ModuleList(members), independent

    def forward(self, inputs):
        logits = torch.stack([member(inputs) for member in self.members], dim=1)
        log_probs = torch.log_softmax(logits, dim=-1)
        if not self.independent:
            return log_probs.mean(dim=1)
        if self.training:
            return logits
        return torch.logsumexp(log_probs, dim=1) - math.log(len(self.members))


def twin_network(model, input_shape: tuple[int, ...]) -> nn.Module:
    """The PyTorch network of flax ``model`` for inputs of ``input_shape`` (one example's)."""
    if isinstance(model, FlipAveraged):
        return twin_network(model.member, input_shape)
    if isinstance(model, Ensemble):
        members = [twin_network(model.member, input_shape) for _ in range(model.size)]
        return MemberStack(members, model.independent)
    for model_type, network in NETWORKS.items():
        if isinstance(model, model_type):
            names = inspect.signature(network).parameters
            fields = {name: getattr(model, name) for name in names if hasattr(model, name)}
            return network(**fields, **({"input_shape": input_shape} if "input_shape" in names else {}))
    raise ValueError(
        f"no PyTorch twin for {type(model).__name__}: twins exist for "
        f"{', '.join(sorted(t.__name__ for t in NETWORKS))}, FlipAveraged and Ensemble of them"
    )
