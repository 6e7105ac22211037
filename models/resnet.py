"""ResNets with BatchNorm and basic blocks, sized for 28-32 px images (He et al. 2016, section 4.2)."""

import functools
from collections.abc import Sequence

import flax.linen as nn
import jax.numpy as jnp


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with BatchNorm and an identity (or 1x1 projection) shortcut.

    ``<float>[batch, h, w, c]`` -> ``<float32>[batch, h / strides, w / strides, filters]``.
    """

    filters: int
    strides: int = 1

    @nn.compact
    def __call__(self, x: jnp.ndarray, *, train: bool = False) -> jnp.ndarray:
        norm = functools.partial(nn.BatchNorm, use_running_average=not train, momentum=0.9)
        residual = x
        y = nn.Conv(self.filters, (3, 3), strides=self.strides, padding="SAME", use_bias=False)(x)
        y = nn.relu(norm()(y))
        y = nn.Conv(self.filters, (3, 3), padding="SAME", use_bias=False)(y)
        # Zero-initialised last scale: each block starts as the identity (Goyal et al. 2017).
        y = norm(scale_init=nn.initializers.zeros)(y)
        if residual.shape != y.shape:
            residual = nn.Conv(self.filters, (1, 1), strides=self.strides, use_bias=False, name="projection")(x)
            residual = norm(name="projection_norm")(residual)
        return nn.relu(y + residual)


class ResNet(nn.Module):
    """A 3x3 stem without pooling, then stages of basic blocks, global average pooling, Dense.

    Stage ``i`` has ``num_filters * 2**i`` filters and halves the resolution except the first.
    ``stem_strides=2`` starts the stages at half the input's resolution: on 28x28 images that
    costs about a quarter of the FLOPs of full resolution.
    ``<float>[batch, height, width, channels]`` -> ``<float32>[batch, num_classes]`` logits.
    """

    stage_sizes: Sequence[int]
    num_classes: int = 10
    num_filters: int = 16
    stem_strides: int = 1

    @nn.compact
    def __call__(self, x: jnp.ndarray, *, train: bool = False) -> jnp.ndarray:
        x = nn.Conv(self.num_filters, (3, 3), strides=self.stem_strides, padding="SAME", use_bias=False, name="stem")(x)
        x = nn.relu(nn.BatchNorm(use_running_average=not train, momentum=0.9, name="stem_norm")(x))
        for stage, blocks in enumerate(self.stage_sizes):
            for block in range(blocks):
                strides = 2 if stage > 0 and block == 0 else 1
                x = BasicBlock(self.num_filters * 2**stage, strides=strides)(x, train=train)
        x = x.mean(axis=(1, 2))
        return nn.Dense(self.num_classes)(x)


ResNet20 = functools.partial(ResNet, stage_sizes=(3, 3, 3), num_filters=16)
"""CIFAR ResNet-20: three stages of three basic blocks, 16-64 filters."""
ResNet32 = functools.partial(ResNet, stage_sizes=(5, 5, 5), num_filters=16)
"""CIFAR ResNet-32: three stages of five basic blocks, 16-64 filters."""
ResNet56 = functools.partial(ResNet, stage_sizes=(9, 9, 9), num_filters=16)
"""CIFAR ResNet-56: three stages of nine basic blocks, 16-64 filters."""
ResNet18 = functools.partial(ResNet, stage_sizes=(2, 2, 2, 2), num_filters=64)
"""ResNet-18's four stages of two basic blocks (64-512 filters), with the 3x3 stem of small images
instead of ImageNet's 7x7 stride-2 convolution and max pooling."""
