"""PyTorch twins of the zoo's models for the port's parity tests (``jax_zoo.bench.torch_twins``)."""

import torch
from torch import nn

from jax_zoo.bench.torch_convnets import IMAGES_28, nchw
from jax_zoo.bench.torch_twins import twin_network

__all__ = ["nchw", "randomize", "twin"]


def twin(model) -> nn.Module:
    """The PyTorch network of flax ``model``, for 28x28x1 images where it reads images."""
    return twin_network(model, IMAGES_28)


def randomize(network: nn.Module, seed: int = 0) -> nn.Module:
    """PyTorch's own initialization, plus BatchNorm scales, shifts and running statistics away
    from 1, 0, 0, 1, so that every tensor of the state_dict matters."""
    torch.manual_seed(seed)
    for module in network.modules():
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()
        if isinstance(module, nn.BatchNorm2d):
            with torch.no_grad():
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0, 0.1)
                module.running_mean.normal_(0, 0.1)
                module.running_var.uniform_(0.5, 1.5)
    return network.eval()
