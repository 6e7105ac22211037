"""English number words -> French number words, both written by ``num2words``."""

from pathlib import Path

import jax
import numpy as np

from jax_zoo.datasets.char_vocabulary import BOS_ID, EOS_ID, CharVocabulary
from jax_zoo.datasets.registry import Arrays, register_dataset
from jax_zoo.datasets.text_pairs import TextPairTokenizers, pack_pairs, register_tokenizers
from jax_zoo.datasets.tfds_local import prepare, read_split

NUMBERS = 100_000
"""Numbers are drawn from 0 <= n < NUMBERS: every rule of French number words (``et un``,
``quatre-vingts``, ``cents``, invariable ``mille``) shows below 100,000."""
STRATA = ((0, 1_000, (800, 100, 100)), (1_000, NUMBERS, (19_200, 1_900, 1_900)))
"""``(low, high, (train, validation, test))``: numbers below 1,000 make 4% of the splits where a
uniform draw would give them 1%, so that short numbers are not read as thousands ("forty-two"
-> "quarante-deux mille quarante-deux" in a model trained on uniform draws)."""
SPLIT_SIZES = {"train": 20_000, "validation": 2_000, "test": 2_000}
SPLIT_SEED = 0
TOKENIZERS = TextPairTokenizers(
    source=CharVocabulary(" ,-adefghilnorstuvwxyz"),
    target=CharVocabulary(" -acdefghilmnopqrstuvxzé", sequence_markers=True),
    bos_id=BOS_ID,
    eos_id=EOS_ID,
    source_length=56,  # the longest English words below 100,000 have 55 characters
    target_length=62,  # the longest French ones have 61, then EOS
)
"""Characters: source ids are 0 padding, 1 unknown, 2... letters; target ids 0 padding, 1 unknown,
2 BOS, 3 EOS, 4... letters."""


def split_numbers(seed: int = SPLIT_SEED) -> dict[str, np.ndarray]:
    """Disjoint sorted numbers per split: for each stratum of ``STRATA``, one permutation of its
    numbers drawn with ``np.random.default_rng(seed)``, cut into train, validation and test."""
    rng = np.random.default_rng(seed)
    parts = {split: [] for split in SPLIT_SIZES}
    for low, high, sizes in STRATA:
        order = low + rng.permutation(high - low)
        for split, end, size in zip(parts, np.cumsum(sizes), sizes, strict=True):
            parts[split].append(order[end - size : end])
    return {split: np.sort(np.concatenate(numbers)) for split, numbers in parts.items()}


def split_pairs(split: str, directory: Path) -> tuple[list[str], list[str]]:
    """The English and French words of ``split``'s numbers, in increasing order of the number."""
    from jax_zoo.datasets.builders.numbers import NumberWords  # imports TFDS, only when data is read

    records = read_split(prepare(NumberWords, directory), split, order_key="number")
    return [text.decode() for text in records["english"]], [text.decode() for text in records["french"]]


@register_dataset(
    "numbers_en_fr",
    example_spec={
        "inputs": jax.ShapeDtypeStruct((TOKENIZERS.source_length + TOKENIZERS.target_length,), np.int32),
        "targets": jax.ShapeDtypeStruct((TOKENIZERS.target_length,), np.int32),
    },
    split_sizes=SPLIT_SIZES,
)
def load_numbers_split(split: str, directory: Path) -> Arrays:
    """English number words -> French (numbers below 100,000, disjoint splits); packed character ids."""
    english, french = split_pairs(split, directory)
    return pack_pairs(
        [TOKENIZERS.source.encode(text) for text in english], [TOKENIZERS.target.encode(text) for text in french],
        TOKENIZERS,
    )


register_tokenizers("numbers_en_fr", TOKENIZERS)
