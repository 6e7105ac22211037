"""PyTorch networks that compute what the zoo's convolutional models compute (needs the ``torch`` extra).

Each takes the flax model's fields, by the same names, and the input shape ``(height, width,
channels)``; images are NCHW, layers are named as ``jax_zoo.port`` names them, so
``load_state_dict(to_torch(...))`` gives the flax model's outputs. Parameters start from PyTorch's default initialization, as a
PyTorch user's would, except where the flax model's initialization is part of its design (a
ResNet block's last BatchNorm scale starts at zero).
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

IMAGES_28 = (28, 28, 1)


def nchw(images: np.ndarray) -> torch.Tensor:
    """``[batch, height, width, channels]`` numpy images as a contiguous NCHW tensor.

    A fresh C-order copy: a transposed view of one-channel images keeps stride 1 on the channel
    axis (``np.ascontiguousarray`` returns it as it is, its one channel making it contiguous),
    which PyTorch reads as channels-last.
    """
    return torch.from_numpy(images.transpose(0, 3, 1, 2).copy(order="C"))


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """Flax's ``padding="SAME"`` on one axis: ``(before, after)``, the odd pixel after."""
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class SameConv2d(nn.Conv2d):
    """A convolution padded as flax's ``padding="SAME"`` pads: for a stride-2 3x3 convolution on
    an even size, nothing before and one row after, where ``padding=1`` puts one on each side."""

    def forward(self, x):
        pads = []
        for size, kernel, stride in reversed(list(zip(x.shape[2:], self.kernel_size, self.stride))):
            pads += same_padding(size, kernel, stride)
        return super().forward(F.pad(x, pads))


class SimpleCNN(nn.Module):
    """``jax_zoo.models.SimpleCNN``: conv-relu-conv-maxpool(-relu)-dropout-dense-relu-dropout-dense."""

    def __init__(self, num_classes=10, relu_after_conv2=False, dropout_rates=(0.0, 0.0), input_shape=IMAGES_28):
        super().__init__()
        height, width, channels = input_shape
        self.relu_after_conv2 = relu_after_conv2
        self.conv_dropout, self.dense_dropout = dropout_rates
        self.conv1 = nn.Conv2d(channels, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.fc1 = nn.Linear(64 * ((height - 4) // 2) * ((width - 4) // 2), 128)
        self.fc2 = nn.Linear(128, num_classes)

    def forward(self, x):
        x = F.max_pool2d(self.conv2(F.relu(self.conv1(x))), 2)
        if self.relu_after_conv2:
            x = F.relu(x)
        x = torch.flatten(F.dropout(x, self.conv_dropout, self.training), 1)
        return self.fc2(F.dropout(F.relu(self.fc1(x)), self.dense_dropout, self.training))


class LeNet5(nn.Module):
    """``jax_zoo.models.LeNet5``: conv(5x5, SAME)-pool-conv(5x5)-pool-dense-dense-dense, ReLUs."""

    def __init__(self, num_classes=10, input_shape=IMAGES_28):
        super().__init__()
        height, width, channels = input_shape
        self.conv1, self.conv2 = nn.Conv2d(channels, 6, 5, padding=2), nn.Conv2d(6, 16, 5)
        flat = 16 * ((height // 2 - 4) // 2) * ((width // 2 - 4) // 2)
        self.fc1, self.fc2, self.fc3 = nn.Linear(flat, 120), nn.Linear(120, 84), nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = torch.flatten(F.max_pool2d(F.relu(self.conv2(x)), 2), 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class VGG(nn.Module):
    """``jax_zoo.models.VGG``: stages of conv(3x3)-BatchNorm-ReLU ending in max pooling, then
    dense-ReLU-dropout-dense. Flax's BatchNorm momentum 0.9 is PyTorch's 0.1."""

    def __init__(self, num_classes=10, stage_widths=(32, 64, 128), convs_per_stage=2, dense_width=256,
                 dropout_rate=0.5, batch_norm=True, input_shape=IMAGES_28):
        super().__init__()
        size, _, channels = input_shape
        self.batch_norm, self.dropout_rate = batch_norm, dropout_rate
        self.names, self.pool_after = [], set()
        for stage, width in enumerate(stage_widths, start=1):
            for index in range(1, convs_per_stage + 1):
                name = f"{stage}_{index}"
                setattr(self, f"conv{name}", nn.Conv2d(channels, width, 3, padding=1, bias=not batch_norm))
                if batch_norm:
                    setattr(self, f"norm{name}", nn.BatchNorm2d(width))
                self.names.append(name)
                channels = width
            self.pool_after.add(self.names[-1])
            size //= 2
        self.fc1 = nn.Linear(channels * size * size, dense_width)
        self.fc2 = nn.Linear(dense_width, num_classes)

    def forward(self, x):
        for name in self.names:
            x = getattr(self, f"conv{name}")(x)
            if self.batch_norm:
                x = getattr(self, f"norm{name}")(x)
            x = F.relu(x)
            if name in self.pool_after:
                x = F.max_pool2d(x, 2)
        x = F.dropout(F.relu(self.fc1(torch.flatten(x, 1))), self.dropout_rate, self.training)
        return self.fc2(x)


class BasicBlock(nn.Module):
    """``jax_zoo.models.BasicBlock``, named as torchvision's; its last BatchNorm scale starts at zero."""

    def __init__(self, in_channels, filters, stride):
        super().__init__()
        self.conv1, self.bn1 = SameConv2d(in_channels, filters, 3, stride, bias=False), nn.BatchNorm2d(filters)
        self.conv2, self.bn2 = SameConv2d(filters, filters, 3, 1, bias=False), nn.BatchNorm2d(filters)
        nn.init.zeros_(self.bn2.weight)
        self.downsample = None
        if stride != 1 or in_channels != filters:
            projection = SameConv2d(in_channels, filters, 1, stride, bias=False)
            self.downsample = nn.Sequential(projection, nn.BatchNorm2d(filters))

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    """``jax_zoo.models.ResNet``: torchvision's names with a 3x3 stem, no max pooling, and flax's
    SAME padding."""

    def __init__(self, stage_sizes, num_classes=10, num_filters=16, stem_strides=1, input_shape=IMAGES_28):
        super().__init__()
        channels = input_shape[-1]
        self.conv1 = SameConv2d(channels, num_filters, 3, stem_strides, bias=False)
        self.bn1 = nn.BatchNorm2d(num_filters)
        channels = num_filters
        for stage, blocks in enumerate(stage_sizes):
            filters = num_filters * 2**stage
            layer = []
            for block in range(blocks):
                layer.append(BasicBlock(channels, filters, 2 if stage > 0 and block == 0 else 1))
                channels = filters
            setattr(self, f"layer{stage + 1}", nn.Sequential(*layer))
        self.stages = len(stage_sizes)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        for stage in range(1, self.stages + 1):
            x = getattr(self, f"layer{stage}")(x)
        return self.fc(x.mean(dim=(2, 3)))


class ConvAutoencoder(nn.Module):
    """``jax_zoo.models.ConvAutoencoder``: conv(3x3, stride 2, SAME)-ReLU per width, transposed
    convolutions back, a sigmoid.

    Flax's SAME transposed convolution pads the stride-dilated input by (2, 1) for a 3x3 kernel
    at stride 2 where ``nn.ConvTranspose2d`` pads (2, 2) (``padding=0``): the last row and column
    are cropped. Its kernel is flax's, flipped in space, laid out ``[in, out, kh, kw]``.
    """

    def __init__(self, widths=(32, 64), input_shape=IMAGES_28):
        super().__init__()
        channels = input_shape[-1]
        widths = list(widths)
        self.encoders = nn.ModuleList()
        for width in widths:
            self.encoders.append(SameConv2d(channels, width, 3, 2))
            channels = width
        self.decoders = nn.ModuleList()
        for width in [*reversed(widths[:-1]), input_shape[-1]]:
            self.decoders.append(nn.ConvTranspose2d(channels, width, 3, stride=2))
            channels = width

    def forward(self, x):
        for encoder in self.encoders:
            x = F.relu(encoder(x))
        for index, decoder in enumerate(self.decoders):
            x = decoder(x)[:, :, :-1, :-1]
            if index < len(self.decoders) - 1:
                x = F.relu(x)
        return torch.sigmoid(x)
