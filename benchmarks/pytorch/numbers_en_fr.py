"""The ``numbers_en_fr`` recipe in plain PyTorch: an attention encoder-decoder from English number
words to French, over characters.

    python -m benchmarks.pytorch.numbers_en_fr [--compile] [--epochs 2] [--json FILE]

Character embeddings of 32 -> bidirectional LSTM of 128 -> LSTM decoder of 128 with Luong's
multiplicative attention, dropout 0.1, teacher forcing; Adam at 3e-3 with cosine decay to 0 over
2 epochs of batch 64, gradients clipped to a global norm of 1; the loss each sentence's mean
cross-entropy over its real target tokens. Validation exact match (every target token the
arg-max) after every epoch, a checkpoint after each, test exact match once
(``benchmarks/pytorch/loop.py``).
"""

import torch
import torch.nn.functional as F

from benchmarks.pytorch import loop
from jax_zoo.bench.torch_seq2seq import Seq2Seq
from jax_zoo.datasets.text_pairs import text_pair_tokenizers

LEARNING_RATE, BATCH_SIZE, EPOCHS, GRADIENT_CLIP = 3e-3, 64, 2, 1.0
EMBED_DIM, HIDDEN_SIZE, DROPOUT_RATE = 32, 128, 0.1


def sequence_cross_entropy(logits, targets):
    """Each sentence's mean cross-entropy over its real (non-zero) targets, averaged over sentences."""
    nll = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
    real = (targets != 0).float()
    return ((nll * real).sum(dim=1) / real.sum(dim=1).clamp(min=1)).mean()


def main(argv: list[str] | None = None) -> dict:
    args = loop.parse_args(__doc__, EPOCHS, argv)
    torch.manual_seed(args.seed)
    data = loop.load("numbers_en_fr", args.train_examples)
    tokenizers = text_pair_tokenizers("numbers_en_fr")
    network = Seq2Seq(
        tokenizers.source.size, tokenizers.target.size, tokenizers.source_length, tokenizers.bos_id,
        tokenizers.eos_id, embed_dim=EMBED_DIM, hidden_size=HIDDEN_SIZE, dropout_rate=DROPOUT_RATE,
    )
    optimizer = torch.optim.Adam(network.parameters(), lr=LEARNING_RATE)
    steps = args.epochs * loop.steps_per_epoch(data, BATCH_SIZE)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    return loop.train(
        args, "numbers_en_fr", network, optimizer, scheduler, sequence_cross_entropy, data, batch_size=BATCH_SIZE,
        eval_batch_size=512, metrics={"exact_match": loop.exact_match, "token_accuracy": loop.token_accuracy},
        gradient_clip=GRADIENT_CLIP,
    )


if __name__ == "__main__":
    main()
