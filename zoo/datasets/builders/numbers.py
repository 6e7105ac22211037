"""The TFDS builder of ``numbers_en_fr``: number words written by ``num2words``."""

import numpy as np
import tensorflow_datasets as tfds

from jax_zoo.datasets.numbers import split_numbers


class NumberWords(tfds.core.GeneratorBasedBuilder):
    """Numbers below 100,000 in English and French words (``num2words``), split 20,000 / 2,000 /
    2,000 by number, numbers below 1,000 over-represented (``split_numbers``)."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {
        "1.0.0": "Numbers 0 <= n < 100,000; 20,000 / 2,000 / 2,000 disjoint numbers (4% below 1,000), seed 0."
    }

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.__doc__,
            features=tfds.features.FeaturesDict({
                "number": tfds.features.Tensor(shape=(), dtype=np.int32),
                "english": tfds.features.Text(),
                "french": tfds.features.Text(),
            }),
            supervised_keys=("english", "french"),
            homepage="https://github.com/savoirfairelinux/num2words",
        )

    def _split_generators(self, dl_manager):
        return {split: self._generate_examples(numbers) for split, numbers in split_numbers().items()}

    def _generate_examples(self, numbers):
        from num2words import num2words

        for number in numbers.tolist():
            yield number, {"number": number, "english": num2words(number), "french": num2words(number, lang="fr")}
