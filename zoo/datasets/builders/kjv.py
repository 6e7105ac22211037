"""The TFDS builder of ``kjv``: the King James Bible's books from Debian's SWORD module."""

import numpy as np
import tensorflow_datasets as tfds

from jax_zoo.core.errors import ZooError
from jax_zoo.datasets import kjv
from jax_zoo.datasets.sword import read_books


class KingJamesBible(tfds.core.GeneratorBasedBuilder):
    """The 66 books of the KJV from the SWORD module ``engKJV2006eb``, one record per book.

    Text: ``<note>`` elements (translators' footnotes) removed, every other tag removed keeping
    its text, whitespace collapsed, one line per index entry (a book's title line, then its
    verses): 4,153,411 characters in all, 92 distinct. Books are split by ``kjv.split_of_book``.
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
        if not kjv.sword_module_installed():
            raise ZooError(
                f"dataset kjv needs Debian's sword-text-kjv (expected {kjv.SWORD_MODULE}): apt-get install "
                f"sword-text-kjv. kjv_char_lstm can train on the Python standard library's source "
                f"instead: --set corpus=python_source"
            )
        books = list(enumerate(read_books(kjv.SWORD_MODULE)))
        return {
            split: self._generate_examples([book for book in books if kjv.split_of_book(book[0]) == split])
            for split in ("train", "validation", "test")
        }

    def _generate_examples(self, books):
        for index, (name, text) in books:
            yield index, {"book": index, "name": name, "text": text}
