"""PyTorch networks that compute what the zoo's models compute, named as ``jax_zoo.port`` names them.

For the port's parity tests; each takes the flax model whose twin it is. Images are NCHW,
token ids right-padded with 0 as the zoo's are.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def nchw(images: np.ndarray) -> torch.Tensor:
    # A C-order copy: a transposed view of one-channel images would read as channels-last.
    return torch.from_numpy(images.transpose(0, 3, 1, 2).copy())


class SameConv2d(nn.Conv2d):
    """A convolution padded as flax's ``padding="SAME"`` pads: for a stride-2 3x3 convolution on
    an even size, nothing before and one row after, where ``padding=1`` puts one on each side."""

    def forward(self, x):
        pads = []
        for size, kernel, stride in reversed(list(zip(x.shape[2:], self.kernel_size, self.stride))):
            total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
            pads += [total // 2, total - total // 2]
        return super().forward(F.pad(x, pads))


class LeNet5(nn.Module):
    def __init__(self, model, channels=1):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(channels, 6, 5, padding=2), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(16 * 5 * 5, 120), nn.Linear(120, 84), nn.Linear(84, model.num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = torch.flatten(F.max_pool2d(F.relu(self.conv2(x)), 2), 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class VGG(nn.Module):
    def __init__(self, model, channels=1, size=28):
        super().__init__()
        self.model, self.names = model, []
        for stage, width in enumerate(model.stage_widths, start=1):
            for index in range(1, model.convs_per_stage + 1):
                name = f"{stage}_{index}"
                setattr(self, f"conv{name}", nn.Conv2d(channels, width, 3, padding=1, bias=not model.batch_norm))
                if model.batch_norm:
                    setattr(self, f"norm{name}", nn.BatchNorm2d(width))
                self.names.append(name)
                channels = width
            size //= 2
        self.fc1 = nn.Linear(channels * size * size, model.dense_width)
        self.fc2 = nn.Linear(model.dense_width, model.num_classes)

    def forward(self, x):
        for name in self.names:
            x = getattr(self, f"conv{name}")(x)
            if self.model.batch_norm:
                x = getattr(self, f"norm{name}")(x)
            x = F.relu(x)
            if name.endswith(f"_{self.model.convs_per_stage}"):
                x = F.max_pool2d(x, 2)
        x = F.dropout(F.relu(self.fc1(torch.flatten(x, 1))), self.model.dropout_rate, self.training)
        return self.fc2(x)


class BasicBlock(nn.Module):
    def __init__(self, in_channels, filters, stride):
        super().__init__()
        self.conv1, self.bn1 = SameConv2d(in_channels, filters, 3, stride, bias=False), nn.BatchNorm2d(filters)
        self.conv2, self.bn2 = SameConv2d(filters, filters, 3, 1, bias=False), nn.BatchNorm2d(filters)
        self.downsample = None
        if stride != 1 or in_channels != filters:
            projection = SameConv2d(in_channels, filters, 1, stride, bias=False)
            self.downsample = nn.Sequential(projection, nn.BatchNorm2d(filters))

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    """torchvision's ResNet names with a 3x3 stem, no max pooling, and flax's SAME padding."""

    def __init__(self, model, channels=1):
        super().__init__()
        self.conv1 = SameConv2d(channels, model.num_filters, 3, model.stem_strides, bias=False)
        self.bn1 = nn.BatchNorm2d(model.num_filters)
        channels = model.num_filters
        for stage, blocks in enumerate(model.stage_sizes):
            filters = model.num_filters * 2**stage
            layer = []
            for block in range(blocks):
                layer.append(BasicBlock(channels, filters, 2 if stage > 0 and block == 0 else 1))
                channels = filters
            setattr(self, f"layer{stage + 1}", nn.Sequential(*layer))
        self.stages = len(model.stage_sizes)
        self.fc = nn.Linear(channels, model.num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        for stage in range(1, self.stages + 1):
            x = getattr(self, f"layer{stage}")(x)
        return self.fc(x.mean(dim=(2, 3)))


def lengths(tokens: torch.Tensor) -> torch.Tensor:
    return (tokens != 0).sum(dim=1)


def at_last_token(sequence: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """``sequence[b, length_b - 1]`` of ``[batch, time, features]``."""
    return sequence[torch.arange(len(tokens)), (lengths(tokens) - 1).clamp(min=0)]


class TutorialRNN(nn.Module):
    """The tutorial RNN over one-hot characters: i2h and i2o read cat(input, hidden)."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.i2h = nn.Linear(model.vocab_size + model.hidden_size, model.hidden_size)
        self.i2o = nn.Linear(model.vocab_size + model.hidden_size, model.num_classes)

    def forward(self, tokens):
        hidden = torch.zeros(len(tokens), self.model.hidden_size)
        outputs = []
        for step in range(tokens.shape[1]):
            combined = torch.cat([F.one_hot(tokens[:, step], self.model.vocab_size).float(), hidden], dim=1)
            outputs.append(F.log_softmax(self.i2o(combined), dim=1))
            hidden = self.i2h(combined)
            if not self.model.linear_hidden:
                hidden = torch.tanh(hidden)
        return at_last_token(torch.stack(outputs, dim=1), tokens)


def _recurrent(cell_type, in_features, model, bidirectional):
    layer = nn.LSTM if cell_type == "lstm" else nn.GRU
    return layer(in_features, model.hidden_size, model.num_layers, batch_first=True, bidirectional=bidirectional)


class SequenceClassifier(nn.Module):
    """Embedding -> nn.LSTM/nn.GRU over the real tokens (packed) -> pooling -> linear."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.embed = nn.Embedding(model.vocab_size, model.embed_dim)
        self.rnn = _recurrent(model.cell_type, model.embed_dim, model, model.bidirectional)
        self.classifier = nn.Linear(model.hidden_size * (2 if model.bidirectional else 1), model.num_classes)

    def forward(self, tokens):
        packed = pack_padded_sequence(self.embed(tokens), lengths(tokens), batch_first=True, enforce_sorted=False)
        outputs, _ = pad_packed_sequence(self.rnn(packed)[0], batch_first=True, total_length=tokens.shape[1])
        real = (tokens != 0)[..., None]
        if self.model.pooling == "mean":
            pooled = (outputs * real).sum(dim=1) / real.sum(dim=1).clamp(min=1)
        elif self.model.pooling == "max":
            pooled = outputs.masked_fill(~real, -math.inf).amax(dim=1)
        else:
            hidden = self.model.hidden_size
            pooled = at_last_token(outputs[..., :hidden], tokens)
            if self.model.bidirectional:
                pooled = torch.cat([pooled, outputs[:, 0, hidden:]], dim=1)
        return self.classifier(pooled)


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
