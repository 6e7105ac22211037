"""Flax linen modules: what each network computes, nothing about how it is trained.

Every module is called as ``module.apply(variables, inputs, train=...)`` and imports only jax and
flax, so ``params = model.init(key, x)`` and ``model.apply(params, x)`` are plain pure functions.
"""

from models.pooling import max_pool_2x2
from models.simple_cnn import PyTorchMnistCNN, SimpleCNN

__all__ = ["PyTorchMnistCNN", "SimpleCNN", "max_pool_2x2"]
