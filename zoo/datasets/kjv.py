"""The King James Bible (Debian ``sword-text-kjv``) as next-character windows, split by book."""

from pathlib import Path

import jax
import numpy as np

from jax_zoo.datasets.char_vocabulary import CharVocabulary, next_character_windows
from jax_zoo.datasets.registry import Arrays, register_dataset
from jax_zoo.datasets.tfds_local import prepare, read_split

SWORD_MODULE = Path("/usr/share/sword/modules/texts/ztext/engKJV2006eb")
WINDOW = 128
VALIDATION_REMAINDER, TEST_REMAINDER = 5, 10
"""Book ``i`` (canonical order, 0-65) is held out when ``i % 11`` is 5 (validation: Joshua,
Esther, Hosea, Malachi, Philippians, 2 Peter) or 10 (test: 1 Kings, Song of Solomon, Micah,
Acts, 2 Timothy, Revelation); the other 54 books are the training text."""
VOCABULARY = CharVocabulary(
    "\n !(),-.:;?ABCDEFGHIJKLMNOPQRSTUVWYZ[\\]abcdefghijklmnopqrstuvwxyz¶Ææ"
    "אבגדהוזחטיכלמנסעפצקרשת—’"
)
"""The 92 characters of the cleaned module text (the Hebrew letters head the sections of Psalm 119)."""


def sword_module_installed() -> bool:
    return SWORD_MODULE.is_dir()


def split_of_book(index: int) -> str:
    remainder = index % 11
    return {VALIDATION_REMAINDER: "validation", TEST_REMAINDER: "test"}.get(remainder, "train")


def split_text(split: str, directory: Path) -> str:
    """The books of ``split`` in canonical order, joined by newlines."""
    from jax_zoo.datasets.builders.kjv import KingJamesBible  # imports TFDS, only when data is read

    records = read_split(prepare(KingJamesBible, directory), split, order_key="book")
    return "\n".join(text.decode("utf-8") for text in records["text"])


@register_dataset(
    "kjv",
    example_spec={
        "inputs": jax.ShapeDtypeStruct((WINDOW,), np.int32),
        "targets": jax.ShapeDtypeStruct((WINDOW,), np.int32),
    },
    split_sizes={"train": 28179, "validation": 1465, "test": 2804},
    num_classes=VOCABULARY.size,
)
def load_kjv_split(split: str, directory: Path) -> Arrays:
    """King James Bible, 128-character next-character windows; 54/6/6 books train/validation/test
    (3,606,928 / 187,559 / 358,922 characters)."""
    return next_character_windows(VOCABULARY.encode(split_text(split, directory)), WINDOW)
