"""The King James Bible (Debian ``sword-text-kjv``) as next-character windows, split by book."""

from pathlib import Path

import jax
import numpy as np
import tensorflow_datasets as tfds

from jax_zoo.datasets.char_vocabulary import CharVocabulary, next_character_windows
from jax_zoo.datasets.registry import Arrays, register_dataset
from jax_zoo.datasets.sword import read_books
from jax_zoo.datasets.tfds_local import prepare, read_split
from jax_zoo.core.errors import ZooError

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


class KingJamesBible(tfds.core.GeneratorBasedBuilder):
    """The 66 books of the KJV from the SWORD module ``engKJV2006eb``, one record per book.

    Text: ``<note>`` elements (translators' footnotes) removed, every other tag removed keeping
    its text, whitespace collapsed, one line per index entry (a book's title line, then its
    verses): 4,153,411 characters in all, 92 distinct. Books are split by ``split_of_book``.
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Books split by index modulo 11."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.__doc__,
            features=tfds.features.FeaturesDict({
                "book": tfds.features.Tensor(shape=(), dtype=np.int32),
                "name": tfds.features.Text(),
                "text": tfds.features.Text(),
            }),
            homepage="https://crosswire.org/sword/modules/ModInfo.jsp?modName=KJV",
        )

    def _split_generators(self, dl_manager):
        if not sword_module_installed():
            raise ZooError(
                f"dataset kjv needs Debian's sword-text-kjv (expected {SWORD_MODULE}): apt-get install "
                f"sword-text-kjv. kjv_char_lstm can train on the Python standard library's source "
                f"instead: --set corpus=python_source"
            )
        books = list(enumerate(read_books(SWORD_MODULE)))
        return {
            split: self._generate_examples([book for book in books if split_of_book(book[0]) == split])
            for split in ("train", "validation", "test")
        }

    def _generate_examples(self, books):
        for index, (name, text) in books:
            yield index, {"book": index, "name": name, "text": text}


def split_text(split: str, directory: Path) -> str:
    """The books of ``split`` in canonical order, joined by newlines."""
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
