"""Character-level language model on the King James Bible."""

import optax

from jax_zoo.models import CharLanguageModel
from jax_zoo.train import bits_per_character, sequence_cross_entropy, token_accuracy, xla_flags
from jax_zoo.datasets import dataset_info
from jax_zoo.core.errors import ConfigError
from jax_zoo.core.experiment import Experiment, require_at_most, require_fraction, require_positive
from jax_zoo.core.registry import register


# The text to model: the King James Bible (Debian's sword-text-kjv), or the Python standard
# library's source, which every machine with Python has.
CORPORA = ("kjv", "python_source")


@register
def kjv_char_lstm(
    *,
    learning_rate: float = 2e-3,
    batch_size: int = 64,
    epochs: int = 14,
    seed: int = 0,
    embed_dim: int = 64,
    hidden_size: int = 512,
    num_layers: int = 1,
    dropout_rate: float = 0.1,
    gradient_clip: float = 1.0,
    corpus: str = "kjv",
) -> Experiment:
    """CharLanguageModel (embedding -> LSTM of 512 -> dropout -> dense) on 128-character KJV
    windows; Adam, cosine decay.

    Command: ``zoo train kjv_char_lstm``
    Result: test bits per character 1.509, validation 1.461; 57.4 min of training on the 2-core
    CPU, shared for most of it (about 34 min alone; ``zoo/published/kjv_char_lstm.json``).
    Interpolated Kneser-Ney n-grams on the same windows read test 1.761 (5-gram), 1.613
    (7-gram) and 1.570 (17-gram, the order chosen on validation; ``python -m jax_zoo.baselines
    kjv``): the LSTM is 0.061 bits under the best.

    Each window starts from a zero state, so the model and the n-grams see the same context;
    validation and test books are never seen in training. ``--set corpus=python_source`` trains on
    the Python standard library's source instead (no Debian package needed; not KJV numbers).
    Experiments: docs/experiments/kjv_char_lstm.md.
    """
    require_positive(
        learning_rate=learning_rate, batch_size=batch_size, epochs=epochs, embed_dim=embed_dim,
        hidden_size=hidden_size, num_layers=num_layers, gradient_clip=gradient_clip,
    )
    require_at_most(64, num_layers=num_layers)
    require_fraction(dropout_rate=dropout_rate)
    if corpus not in CORPORA:
        raise ConfigError(f"corpus: expected one of {', '.join(map(repr, CORPORA))}, got {corpus!r}")
    dataset = corpus
    info = dataset_info(dataset)
    return Experiment(
        model=CharLanguageModel(
            vocab_size=info.num_classes, embed_dim=embed_dim, hidden_size=hidden_size,
            num_layers=num_layers, dropout_rate=dropout_rate,
        ),
        # Clipping and Adam over the parameters as one vector: XLA compiles a few kernels for them
        # instead of a few per parameter, so the first step compiles sooner (docs/performance.md).
        optimizer=lambda steps_per_epoch: optax.flatten(optax.chain(
            optax.clip_by_global_norm(gradient_clip),
            optax.adam(optax.cosine_decay_schedule(learning_rate, epochs * steps_per_epoch)),
        )),
        loss=sequence_cross_entropy,
        metrics={"bits_per_character": bits_per_character, "accuracy": token_accuracy},
        dataset=dataset,
        batch_size=batch_size,
        epochs=epochs,
        seed=seed,
        eval_batch_size=256,
        eval_split="validation",
        task="language_modeling",
        xla_flags=xla_flags.PRESETS["recurrent"],
    )
