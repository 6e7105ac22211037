"""The ``names_tutorial_rnn`` recipe in plain PyTorch: the character-RNN tutorial's network on surnames.

    python -m benchmarks.pytorch.names_tutorial_rnn [--compile] [--epochs 30] [--json FILE]

One-hot characters through the tutorial's RNN (128 hidden units, tanh), its log-probabilities at
each name's last character; plain SGD at 0.1 over 30 epochs of batch 32 (the loss averaged over
the batch); validation accuracy after every epoch, a checkpoint after each, test accuracy once
(``benchmarks/pytorch/loop.py``).
"""

import torch
import torch.nn.functional as F

from benchmarks.pytorch import loop
from jax_zoo.bench.torch_recurrent import TutorialRNN
from jax_zoo.datasets import dataset_info
from jax_zoo.datasets.names import VOCABULARY

LEARNING_RATE, BATCH_SIZE, EPOCHS, HIDDEN_SIZE = 0.1, 32, 30, 128


def main(argv: list[str] | None = None) -> dict:
    args = loop.parse_args(__doc__, EPOCHS, argv)
    torch.manual_seed(args.seed)
    data = loop.load("names", args.train_examples)
    network = TutorialRNN(VOCABULARY.size, dataset_info("names").num_classes, HIDDEN_SIZE)
    optimizer = torch.optim.SGD(network.parameters(), lr=LEARNING_RATE)
    scheduler = torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1.0)
    # The network returns log-probabilities: cross-entropy on them is the tutorial's NLL loss.
    return loop.train(
        args, "names_tutorial_rnn", network, optimizer, scheduler, F.cross_entropy, data, batch_size=BATCH_SIZE,
        eval_batch_size=512, metrics={"accuracy": loop.accuracy},
    )


if __name__ == "__main__":
    main()
