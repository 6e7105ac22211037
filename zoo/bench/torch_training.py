"""A PyTorch twin's train step and greedy decoding, eager or through ``torch.compile``.

The step is what a PyTorch user writes: zero the gradients, augment the batch, forward, loss,
backward, clip, optimizer step, scheduler step. ``torch.compile`` (when asked) compiles the
augmentation, forward pass and loss (AOTAutograd compiles their backward with them); the
optimizer and scheduler steps run eagerly, as ``torch.compile(model)`` leaves them.
"""

import math
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from jax_zoo.bench.torch_convnets import nchw
from jax_zoo.bench.torch_recipes import TorchRecipe
from jax_zoo.bench.torch_seq2seq import greedy_decode

COMPILE_MODES = ("default", "max-autotune-no-cudagraphs", "reduce-overhead")


def compiled(function: Callable, mode: str | None) -> Callable:
    """``function`` as is for ``mode=None`` (eager), else ``torch.compile`` of it in ``mode``."""
    if mode is None:
        return function
    if mode not in COMPILE_MODES:
        raise ValueError(f"compile mode: expected one of {COMPILE_MODES}, got {mode!r}")
    return torch.compile(function, mode=None if mode == "default" else mode)


def _cosine(fraction: float) -> float:
    return 0.5 * (1 + math.cos(math.pi * min(max(fraction, 0.0), 1.0)))


def schedule_multiplier(recipe: TorchRecipe, total_steps: int, steps_per_epoch: int) -> Callable[[int], float]:
    """The learning rate at step ``t`` over the peak, as optax's schedule of the same name gives it."""
    if recipe.schedule == "constant":
        return lambda t: 1.0
    if recipe.schedule == "cosine":
        return lambda t: _cosine(t / total_steps)
    if recipe.schedule == "step":
        return lambda t: 1.0 if t < total_steps // 2 else 0.1 if t < 3 * total_steps // 4 else 0.01
    if recipe.schedule == "warmup_cosine":
        warmup = recipe.warmup_epochs * steps_per_epoch
        return lambda t: t / warmup if t < warmup else _cosine((t - warmup) / max(total_steps - warmup, 1))
    rise = 0.3 * total_steps  # optax.cosine_onecycle_schedule's defaults: pct_start 0.3, div 25, final div 1e4

    def onecycle(t: int) -> float:
        if t < rise:
            return 1.0 + (1 / 25 - 1.0) * _cosine(t / rise)
        return 1 / 25 / 1e4 + (1.0 - 1 / 25 / 1e4) * _cosine((t - rise) / (total_steps - rise))

    return onecycle


def make_optimizer(network: nn.Module, recipe: TorchRecipe, total_steps: int, steps_per_epoch: int):
    """``(optimizer, scheduler)``; weight decay for SGD on the kernels only (rank >= 2)."""
    parameters = list(network.parameters())
    if recipe.optimizer == "sgd":
        kernels = [p for p in parameters if p.ndim >= 2]
        others = [p for p in parameters if p.ndim < 2]
        groups = [{"params": kernels, "weight_decay": recipe.weight_decay}, {"params": others, "weight_decay": 0.0}]
        optimizer = torch.optim.SGD(groups, lr=recipe.learning_rate, momentum=recipe.momentum, nesterov=recipe.nesterov)
    elif recipe.optimizer == "adam":
        optimizer = torch.optim.Adam(parameters, lr=recipe.learning_rate)
    else:
        optimizer = torch.optim.AdamW(parameters, lr=recipe.learning_rate, weight_decay=recipe.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule_multiplier(recipe, total_steps, steps_per_epoch))
    return optimizer, scheduler


def loss_function(recipe: TorchRecipe) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The entry's loss; an independent ensemble's ``[batch, members, classes]`` outputs are
    averaged over members, as ``jax_zoo.train.member_mean`` does."""
    if recipe.loss == "mean_squared_error":
        return F.mse_loss
    if recipe.loss == "sequence_cross_entropy":

        def sequence_cross_entropy(logits, targets):
            nll = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
            real = (targets != 0).to(nll.dtype)
            return ((nll * real).sum(dim=1) / real.sum(dim=1).clamp(min=1.0)).mean()

        return sequence_cross_entropy

    def cross_entropy(logits, labels):
        if logits.ndim == labels.ndim + 2:
            labels = labels[:, None].expand(-1, logits.shape[1])
        return F.cross_entropy(logits.flatten(0, -2), labels.flatten(), label_smoothing=recipe.label_smoothing)

    return cross_entropy


def _random_crop(images: torch.Tensor, padding: int) -> torch.Tensor:
    batch, _, height, width = images.shape
    padded = F.pad(images, (padding, padding, padding, padding))
    offsets = torch.randint(0, 2 * padding + 1, (batch, 2), device=images.device)
    rows = offsets[:, :1] + torch.arange(height, device=images.device)
    columns = offsets[:, 1:] + torch.arange(width, device=images.device)
    examples = torch.arange(batch, device=images.device)[:, None, None]
    return padded.permute(0, 2, 3, 1)[examples, rows[:, :, None], columns[:, None, :]].permute(0, 3, 1, 2)


def _cutout(images: torch.Tensor, size: int) -> torch.Tensor:
    batch, _, height, width = images.shape
    top = torch.randint(0, height, (batch, 1, 1, 1), device=images.device) - size // 2
    left = torch.randint(0, width, (batch, 1, 1, 1), device=images.device) - size // 2
    y = torch.arange(height, device=images.device)[:, None]
    x = torch.arange(width, device=images.device)[None, :]
    inside = (y >= top) & (y < top + size) & (x >= left) & (x < left + size)
    return images.masked_fill(inside, 0.0)


def augment_function(recipe: TorchRecipe) -> Callable[[torch.Tensor], torch.Tensor]:
    """The entry's in-step augmentation (``jax_zoo.train.augment``, ``text_augment``) on NCHW
    images or token ids: crop, flip, cutout, noise, token dropout; the identity when none."""

    def augment(inputs: torch.Tensor) -> torch.Tensor:
        if recipe.crop_padding:
            inputs = _random_crop(inputs, recipe.crop_padding)
        if recipe.flip:
            flip = torch.rand(len(inputs), 1, 1, 1, device=inputs.device) < 0.5
            inputs = torch.where(flip, inputs.flip(3), inputs)
        if recipe.cutout_size:
            inputs = _cutout(inputs, recipe.cutout_size)
        if recipe.noise_std:
            inputs = inputs + recipe.noise_std * torch.randn_like(inputs)
        if recipe.token_dropout:
            dropped = (torch.rand(inputs.shape, device=inputs.device) < recipe.token_dropout) & (inputs != 0)
            inputs = torch.where(dropped, recipe.token_replacement, inputs)
        return inputs

    return augment


def as_tensor(array: np.ndarray, device: str) -> torch.Tensor:
    """A batch array in PyTorch's terms: NHWC images as NCHW float32, integers as int64."""
    if np.issubdtype(array.dtype, np.integer):
        return torch.from_numpy(array.astype(np.int64)).to(device)
    return (nchw(array) if array.ndim == 4 else torch.from_numpy(array)).to(device)


def train_step(
    network: nn.Module, recipe: TorchRecipe, inputs: np.ndarray, targets: np.ndarray, *,
    total_steps: int, steps_per_epoch: int, compile_mode: str | None = None, device: str = "cpu",
) -> Callable[[], None]:
    """A function that runs one train step of ``network`` on this batch (kept on ``device``)."""
    network.to(device).train()
    optimizer, scheduler = make_optimizer(network, recipe, total_steps, steps_per_epoch)
    augment, loss = augment_function(recipe), loss_function(recipe)
    x, y = as_tensor(inputs, device), as_tensor(targets, device)
    forward_loss = compiled(lambda x, y: loss(network(augment(x)), y), compile_mode)
    parameters = list(network.parameters())

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        forward_loss(x, y).backward()
        if recipe.gradient_clip:
            nn.utils.clip_grad_norm_(parameters, recipe.gradient_clip)
        optimizer.step()
        scheduler.step()

    return step


def greedy_decoding(
    network: nn.Module, source: np.ndarray, max_length: int, *, compile_mode: str | None = None, device: str = "cpu"
) -> Callable[[], int]:
    """A function that greedily decodes this batch of source ids and returns the steps it took."""
    network.to(device).eval()
    source = as_tensor(source, device)
    decode_step = compiled(network.decode, compile_mode)
    return lambda: greedy_decode(network, source, max_length, decode_step)[1]
