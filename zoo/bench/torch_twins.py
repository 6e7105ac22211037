"""PyTorch versions of our models, for ``zoo bench`` to time side by side (needs the ``torch`` extra).

Each twin computes what the Flax model computes (same layers, shapes and initial scale, NCHW
layout) and trains with the same kind of optimizer, so the ratio measures the frameworks.
``device`` is a torch device name: ``"cuda"`` when JAX runs on a GPU, so both use the same card.
"""

from collections.abc import Callable

import numpy as np


def simple_cnn_twin(
    model, input_shape: tuple[int, ...], learning_rate: float = 1e-3, device: str = "cpu"
) -> Callable[[np.ndarray, np.ndarray], Callable[[], None]]:
    """The reference CNN (conv-relu-conv-maxpool-dense-relu-dense, no ReLU after conv2) with Adam,
    and the Flax model's dropout rates (in training mode; ``F.dropout`` is a no-op at rate 0).
    Its ``state_dict`` is the one ``jax_zoo.port`` reads for ``SimpleCNN``."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    height, width, channels = input_shape
    conv_dropout, dense_dropout = model.dropout_rates
    flat = 64 * ((height - 4) // 2) * ((width - 4) // 2)

    class SimpleCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(channels, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.fc1 = nn.Linear(flat, 128)
            self.fc2 = nn.Linear(128, model.num_classes)

        def forward(self, x):
            x = self.conv2(F.relu(self.conv1(x)))
            if model.relu_after_conv2:
                x = F.relu(x)
            x = torch.flatten(F.dropout(F.max_pool2d(x, 2), conv_dropout, self.training), 1)
            return self.fc2(F.dropout(F.relu(self.fc1(x)), dense_dropout, self.training))

    network = SimpleCNN().to(device)
    optimizer = torch.optim.Adam(network.parameters(), lr=learning_rate)

    def prepare(images: np.ndarray, labels: np.ndarray) -> Callable[[], None]:
        # A C-order copy has standard NCHW strides; a transposed view would keep stride 1 on the
        # size-1 channel axis, which PyTorch reads as channels-last.
        x = torch.from_numpy(images.transpose(0, 3, 1, 2).copy()).to(device)
        y = torch.from_numpy(labels.astype(np.int64)).to(device)

        def step() -> None:
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(network(x), y).backward()
            optimizer.step()

        return step

    prepare.network = network
    return prepare


def char_lm_twin(model, input_shape: tuple[int, ...], learning_rate: float = 2e-3, device: str = "cpu"):
    """Embedding -> LSTM stack -> linear readout over the vocabulary, cross-entropy on every
    position, Adam: ``jax_zoo.models.CharLanguageModel``'s computation with ``torch.nn.LSTM``, named as
    ``jax_zoo.port`` names it."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    class CharLanguageModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(model.vocab_size, model.embed_dim)
            self.rnn = nn.LSTM(model.embed_dim, model.hidden_size, num_layers=model.num_layers, batch_first=True)
            self.readout = nn.Linear(model.hidden_size, model.vocab_size)

        def forward(self, tokens):
            outputs, _ = self.rnn(self.embed(tokens))
            return self.readout(outputs)

    network = CharLanguageModel().to(device)
    optimizer = torch.optim.Adam(network.parameters(), lr=learning_rate)

    def prepare(tokens: np.ndarray, targets: np.ndarray) -> Callable[[], None]:
        x = torch.from_numpy(tokens.astype(np.int64)).to(device)
        y = torch.from_numpy(targets.astype(np.int64)).to(device)

        def step() -> None:
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(network(x).reshape(-1, model.vocab_size), y.reshape(-1)).backward()
            optimizer.step()

        return step

    prepare.network = network
    return prepare


TWINS = {"SimpleCNN": simple_cnn_twin, "CharLanguageModel": char_lm_twin}
"""Flax model class name -> twin factory ``(model, input_shape, device=...) -> prepare(inputs, targets) -> step``."""
