"""The TFDS builder of the ``bible_en_es`` verse pairs."""

import numpy as np
import tensorflow_datasets as tfds

from jax_zoo.datasets import bible_pairs, kjv
from jax_zoo.datasets.sword import read_verses


class BibleEnEs(tfds.core.GeneratorBasedBuilder):
    """King James (English) -> Reina-Valera 1909 (Spanish) verse pairs, ``pair_verses`` of the
    SWORD modules ``engKJV2006eb`` and ``spaRV1909eb`` (both KJV versification).

    Of 31,102 verse slots, 18 are empty in the Spanish module and 208 are mismatched (3 of them
    have no Strong's numbers on one side); 30,876 pairs remain: 27,127 / 1,228 / 2,521. Whole
    books are held out like the ``kjv`` dataset's (``kjv.split_of_book``): validation Joshua,
    Esther, Hosea, Malachi, Philippians, 2 Peter; test 1 Kings, Song of Solomon, Micah, Acts,
    2 Timothy, Revelation. ``index`` is the pair's position in canon order.
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Pairs by verse slot, checked by Strong's numbers; books split by index modulo 11."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.__doc__,
            features=tfds.features.FeaturesDict({
                "index": tfds.features.Tensor(shape=(), dtype=np.int32),
                "book": tfds.features.Tensor(shape=(), dtype=np.int32),
                "chapter": tfds.features.Tensor(shape=(), dtype=np.int32),
                "verse": tfds.features.Tensor(shape=(), dtype=np.int32),
                "book_name": tfds.features.Text(),
                "english": tfds.features.Text(),
                "spanish": tfds.features.Text(),
            }),
            supervised_keys=("english", "spanish"),
            homepage="https://crosswire.org/sword/modules/ModInfo.jsp?modName=SpaRV1909",
        )

    def _split_generators(self, dl_manager):
        bible_pairs.require_modules()
        english, spanish = read_verses(bible_pairs.ENGLISH_MODULE), read_verses(bible_pairs.SPANISH_MODULE)
        pairs, _ = bible_pairs.pair_verses(english, spanish)
        books = bible_pairs.book_indices(pairs)
        numbered = [(index, books[pair[0][0]], pair) for index, pair in enumerate(pairs)]
        return {
            split: self._generate_examples([row for row in numbered if kjv.split_of_book(row[1]) == split])
            for split in ("train", "validation", "test")
        }

    def _generate_examples(self, rows):
        for index, book, ((book_name, chapter, verse), english, spanish) in rows:
            yield index, {
                "index": index, "book": book, "chapter": chapter, "verse": verse,
                "book_name": book_name, "english": english, "spanish": spanish,
            }
