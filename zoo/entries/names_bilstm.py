"""Surname -> country with a bidirectional LSTM over characters."""

import functools

import optax

from models import Ensemble, SequenceClassifier
from models.rnn import POOLINGS
from train import accuracy, member_mean, softmax_cross_entropy
from train.text_augment import token_dropout
from zoo.datasets import dataset_info
from zoo.datasets.char_vocabulary import UNKNOWN_ID
from zoo.datasets.names import VOCABULARY
from zoo.core.errors import ConfigError
from zoo.core.experiment import Experiment, require_fraction, require_positive
from zoo.core.registry import register


@register
def names_bilstm(
    *,
    learning_rate: float = 3e-3,
    batch_size: int = 64,
    epochs: int = 10,
    seed: int = 0,
    embed_dim: int = 64,
    hidden_size: int = 128,
    num_layers: int = 1,
    dropout_rate: float = 0.5,
    embedding_dropout: float = 0.25,
    label_smoothing: float = 0.1,
    weight_decay: float = 0.0,
    character_dropout: float = 0.3,
    pooling: str = "final",
    max_ngram: int = 4,
    ngram_buckets: int = 65521,
    ensemble_size: int = 4,
    independent_members: bool = True,
) -> Experiment:
    """Four SequenceClassifiers (character and hashed 2-4-gram embeddings -> bidirectional LSTM
    -> final states -> dense), trained independently side by side as one ``Ensemble``; AdamW,
    cosine decay.

    Command: ``zoo train names_bilstm``
    Result: test accuracy 79.25% (2,635/3,325), macro-F1 0.780 (validation 78.53%), 28.6 min of
    training on the idle 2-core CPU (``zoo/published/names_bilstm.json``). The logistic
    regression on character 1-4-grams of the same split reaches test 78.89% (2,623/3,325),
    macro-F1 0.775, validation 78.32% (``python -m zoo.baselines names``). A small margin: of
    the test names only one of the two gets right, this model gets 137 and the baseline 125
    (exact McNemar test, p = 0.50: ``python -m zoo.baselines.paired WORKDIR``), so 3,325 names do
    not tell the two apart.

    How the recipe was chosen, all on validation. On names 1.0.0 (top 1,000 surnames; 1,159
    validation names, about +-1.2 points of noise): the first defaults (one BiLSTM of 128,
    dropout 0.3 on the pooled features, 20 epochs) reached 74.89%; mean or max pooling,
    character dropout and a second layer did not help. A search on a lent GPU then found that
    dropout on the character embeddings (0.25), label smoothing (0.1), character dropout (0.1)
    and dropout 0.5 each helped (one BiLSTM of 256: 76.70%), and that weight decay, a learning
    rate of 1e-3 and smaller models hurt. Four such BiLSTMs of 128 trained jointly as a product
    of experts (30 epochs) reached 75.67% (test 76.53% against the baseline's 76.70%). On this
    CPU, scratch runs (one network each unless said): bidirectional language-model pretraining
    on 200k unlabelled surnames did not help at the full learning rate (74.55% vs 74.72%);
    four networks trained independently for 30 epochs, probabilities averaged, 76.10%; hashed
    n-gram embeddings (``NgramEmbed``), 10 epochs: one network 75.67%, four independent ones
    77.57%. The entry with those defaults reached 77.39% on validation (baseline 76.62%) but
    76.27% on test (884/1,159; baseline 889). As 1,159 test names cannot separate two models a
    point apart, the dataset grew to the top 3,000 surnames (names 2.0.0).

    On names 2.0.0, one network each (``ensemble_size=1``) unless said: 16,381 n-gram buckets
    76.54%, 65,521 77.47%, 262,139 77.05%; hidden size 256 76.54%; a linear bag of hashed
    1-4-grams added to the logits (a logistic regression inside the network) 77.11%; character
    dropout 0.2 78.05%, 0.3 78.29%, 0.4 77.26% (all with 65,521 buckets). Every test read on
    2.0.0, each config chosen on validation before it: four networks with 16,381 buckets and
    character dropout 0.1, 77.80% (validation 77.53%); with 65,521 buckets, 78.11% (77.98%);
    with character dropout 0.3, the defaults above. Character dropout replaces a character by
    the unknown symbol, so it also hides every n-gram that holds it: with the n-gram tables,
    more of it is needed (one network's training accuracy under dropout fell from 89% to 71%,
    and its validation accuracy still rose at the last epoch). The n-gram tables hold 50.3M of
    the 51.2M parameters, so each checkpoint takes about 300 MB. ``ensemble_size=1`` trains one
    network, ``max_ngram=1`` none of the n-gram tables, ``independent_members=false`` the
    product of experts.
    """
    require_positive(
        learning_rate=learning_rate, batch_size=batch_size, epochs=epochs, embed_dim=embed_dim,
        hidden_size=hidden_size, num_layers=num_layers, ensemble_size=ensemble_size, max_ngram=max_ngram,
        ngram_buckets=ngram_buckets,
    )
    require_fraction(
        dropout_rate=dropout_rate, embedding_dropout=embedding_dropout, label_smoothing=label_smoothing,
        weight_decay=weight_decay, character_dropout=character_dropout,
    )
    if pooling not in POOLINGS:
        raise ConfigError(f"pooling: expected one of {POOLINGS}, got {pooling!r}")
    info = dataset_info("names")
    name_length = info.example_spec["inputs"].shape[0]
    if max_ngram > name_length:
        raise ConfigError(f"max_ngram: expected at most the {name_length} characters a name is padded to, got {max_ngram}")
    model = SequenceClassifier(
        vocab_size=VOCABULARY.size, num_classes=info.num_classes, embed_dim=embed_dim,
        hidden_size=hidden_size, num_layers=num_layers, bidirectional=True,
        dropout_rate=dropout_rate, pooling=pooling, embedding_dropout=embedding_dropout,
        ngram_orders=tuple(range(2, max_ngram + 1)), ngram_buckets=ngram_buckets,
    )
    loss, metric = functools.partial(softmax_cross_entropy, label_smoothing=label_smoothing), accuracy
    if ensemble_size > 1:
        model = Ensemble(model, size=ensemble_size, independent=independent_members)
        if independent_members:
            loss, metric = member_mean(loss), member_mean(accuracy)
    return Experiment(
        model=model,
        optimizer=lambda steps_per_epoch: optax.adamw(
            optax.cosine_decay_schedule(learning_rate, epochs * steps_per_epoch), weight_decay=weight_decay
        ),
        loss=loss,
        metrics={"accuracy": metric},
        dataset="names",
        batch_size=batch_size,
        epochs=epochs,
        seed=seed,
        eval_split="validation",
        augment=token_dropout(character_dropout, replacement_id=UNKNOWN_ID) if character_dropout else None,
    )
