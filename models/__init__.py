"""Flax linen modules: what each network computes, nothing about how it is trained.

Every module is called as ``module.apply(variables, inputs, train=...)`` and imports only jax and
flax, so ``params = model.init(key, x)`` and ``model.apply(params, x)`` are plain pure functions.
"""

from models.pooling import max_pool_2x2
from models.rnn import (
    PAD_ID, CharLanguageModel, RecurrentStack, SequenceClassifier, TutorialRNN, TutorialRNNCell, lengths_from_padding,
)
from models.simple_cnn import PyTorchMnistCNN, SimpleCNN

__all__ = [
    "PAD_ID", "CharLanguageModel", "PyTorchMnistCNN", "RecurrentStack", "SequenceClassifier", "SimpleCNN",
    "TutorialRNN", "TutorialRNNCell", "lengths_from_padding", "max_pool_2x2",
]
