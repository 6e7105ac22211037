"""The ``fashion_simple_cnn`` recipe in plain PyTorch: SimpleCNN with dropout on Fashion-MNIST.

    python -m benchmarks.pytorch.fashion_simple_cnn [--compile] [--epochs 15] [--json FILE]

SGD at 0.05 with momentum 0.9 and cosine decay to 0 over 15 epochs of batch 128, dropout 0.25
after the pooling and 0.5 after the first dense layer, cross-entropy; validation accuracy after
every epoch, a checkpoint after each, test accuracy once (``benchmarks/pytorch/loop.py``).
"""

import torch
import torch.nn.functional as F

from benchmarks.pytorch import loop
from jax_zoo.bench.torch_convnets import SimpleCNN

LEARNING_RATE, MOMENTUM, BATCH_SIZE, EPOCHS, DROPOUT_RATES = 0.05, 0.9, 128, 15, (0.25, 0.5)


def main(argv: list[str] | None = None) -> dict:
    args = loop.parse_args(__doc__, EPOCHS, argv)
    torch.manual_seed(args.seed)
    data = loop.load("fashion_mnist_local", args.train_examples)
    network = SimpleCNN(num_classes=10, dropout_rates=DROPOUT_RATES)
    optimizer = torch.optim.SGD(network.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)
    steps = args.epochs * loop.steps_per_epoch(data, BATCH_SIZE)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    return loop.train(
        args, "fashion_simple_cnn", network, optimizer, scheduler, F.cross_entropy, data, batch_size=BATCH_SIZE,
        eval_batch_size=512, metrics={"accuracy": loop.accuracy, "top_2_accuracy": loop.top_2_accuracy},
    )


if __name__ == "__main__":
    main()
