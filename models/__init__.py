"""Flax linen modules: what each network computes, nothing about how it is trained.

Every module is called as ``module.apply(variables, inputs, train=...)`` and imports only jax and
flax, so ``params = model.init(key, x)`` and ``model.apply(params, x)`` are plain pure functions.
``jax_zoo.models.xla_cpu`` holds variants of some of them arranged for XLA's CPU backend, with
the same parameters.
"""

from jax_zoo.models.autoencoder import ConvAutoencoder
from jax_zoo.models.ensemble import Ensemble
from jax_zoo.models.flip_averaged import FlipAveraged
from jax_zoo.models.lenet import LeNet5
from jax_zoo.models.resnet import BasicBlock, ResNet, ResNet18, ResNet20, ResNet32, ResNet56
from jax_zoo.models.rnn import (
    PAD_ID, CharLanguageModel, NgramEmbed, RecurrentStack, SequenceClassifier, TutorialRNN, TutorialRNNCell, lengths_from_padding,
)
from jax_zoo.models.seq2seq import Attention, Seq2Seq, pack_inputs
from jax_zoo.models.simple_cnn import PyTorchMnistCNN, SimpleCNN
from jax_zoo.models.vgg import VGG

__all__ = [
    "PAD_ID",
    "VGG",
    "Attention",
    "BasicBlock",
    "CharLanguageModel",
    "ConvAutoencoder",
    "Ensemble",
    "FlipAveraged",
    "LeNet5",
    "NgramEmbed",
    "PyTorchMnistCNN",
    "RecurrentStack",
    "ResNet",
    "ResNet18",
    "ResNet20",
    "ResNet32",
    "ResNet56",
    "Seq2Seq",
    "SequenceClassifier",
    "SimpleCNN",
    "TutorialRNN",
    "TutorialRNNCell",
    "lengths_from_padding",
    "pack_inputs",
]
