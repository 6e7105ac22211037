"""Flax linen modules: what each network computes, nothing about how it is trained.

Every module is called as ``module.apply(variables, inputs, train=...)`` and imports only jax and
flax, so ``params = model.init(key, x)`` and ``model.apply(params, x)`` are plain pure functions.
"""

from jax_zoo.models.autoencoder import ConvAutoencoder
from jax_zoo.models.conv import Conv, add_channel_bias, convolve_with_chwn_input
from jax_zoo.models.dropout import Dropout16
from jax_zoo.models.ensemble import Ensemble
from jax_zoo.models.flip_averaged import FlipAveraged
from jax_zoo.models.lenet import LeNet5
from jax_zoo.models.lstm import ScannedLSTM, lstm_scan, lstm_scan_tokens
from jax_zoo.models.pooling import max_pool_2x2
from jax_zoo.models.resnet import BasicBlock, ResNet, ResNet18, ResNet20, ResNet32, ResNet56
from jax_zoo.models.rnn import (
    PAD_ID, CharLanguageModel, NgramEmbed, RecurrentStack, SequenceClassifier, TutorialRNN, TutorialRNNCell, lengths_from_padding,
)
from jax_zoo.models.seq2seq import Attention, Seq2Seq, pack_inputs
from jax_zoo.models.simple_cnn import PyTorchMnistCNN, SimpleCNN
from jax_zoo.models.vgg import VGG

__all__ = [
    "Attention", "BasicBlock", "CharLanguageModel", "Conv", "ConvAutoencoder", "Dropout16", "Ensemble", "FlipAveraged", "LeNet5", "NgramEmbed", "PAD_ID", "PyTorchMnistCNN", "RecurrentStack",
    "ResNet", "ResNet18", "ResNet20", "ResNet32", "ResNet56", "ScannedLSTM", "Seq2Seq", "SequenceClassifier", "SimpleCNN",
    "TutorialRNN", "TutorialRNNCell", "VGG", "add_channel_bias", "convolve_with_chwn_input", "lengths_from_padding",
    "lstm_scan", "lstm_scan_tokens", "max_pool_2x2", "pack_inputs",
]
