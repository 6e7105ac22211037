"""The ``digits_cnn`` recipe in plain PyTorch: SimpleCNN on scikit-learn's 8x8 digits.

    python -m benchmarks.pytorch.digits_cnn [--compile] [--epochs 30] [--json FILE]

Adam at 1e-3 with cosine decay to 0 over 30 epochs of batch 32, cross-entropy with label
smoothing 0.1; validation accuracy after every epoch, a checkpoint every 5 epochs and after the
last, test accuracy once (``benchmarks/pytorch/loop.py``).
"""

import functools

import torch
import torch.nn.functional as F

from benchmarks.pytorch import loop
from jax_zoo.bench.torch_convnets import SimpleCNN

LEARNING_RATE, BATCH_SIZE, EPOCHS, LABEL_SMOOTHING = 1e-3, 32, 30, 0.1


def main(argv: list[str] | None = None) -> dict:
    args = loop.parse_args(__doc__, EPOCHS, argv)
    torch.manual_seed(args.seed)
    data = loop.load("digits", args.train_examples)
    network = SimpleCNN(num_classes=10, input_shape=(8, 8, 1))
    optimizer = torch.optim.Adam(network.parameters(), lr=LEARNING_RATE)
    steps = args.epochs * loop.steps_per_epoch(data, BATCH_SIZE)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    loss = functools.partial(F.cross_entropy, label_smoothing=LABEL_SMOOTHING)
    return loop.train(
        args, "digits_cnn", network, optimizer, scheduler, loss, data, batch_size=BATCH_SIZE, eval_batch_size=512,
        metrics={"accuracy": loop.accuracy}, checkpoint_every=5,
    )


if __name__ == "__main__":
    main()
