"""The TFDS builder of ``digits``: scikit-learn's handwritten digits, split once."""

import numpy as np
import tensorflow_datasets as tfds

from jax_zoo.datasets.digits import SPLIT_SEED, TEST_FRACTION, VALIDATION_SIZE


class Digits(tfds.core.GeneratorBasedBuilder):
    """The 1,797 digits of ``sklearn.datasets.load_digits``: 1,257 train / 180 validation / 360 test.

    Both splits are stratified by class and fixed by seed: ``train_test_split(range(1797),
    test_size=0.2, stratify=labels, random_state=0)`` holds out the test split, then 180 of the
    remaining 1,437 (18 per class) are held out for validation the same way. Images are stored as
    they ship, uint8 pixel counts 0-16 of shape [8, 8, 1]; ``index`` is the example's position
    in ``load_digits()``.
    """

    VERSION = tfds.core.Version("2.0.0")
    RELEASE_NOTES = {
        "1.0.0": "Stratified 80/20 split with seed 0.",
        "2.0.0": "A stratified validation split of 180 taken from 1.0.0's train split; test unchanged.",
    }

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.__doc__,
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Tensor(shape=(8, 8, 1), dtype=np.uint8),
                "label": tfds.features.ClassLabel(num_classes=10),
                "index": tfds.features.Tensor(shape=(), dtype=np.int32),
            }),
            supervised_keys=("image", "label"),
            homepage="https://archive.ics.uci.edu/dataset/80",
        )

    def _split_generators(self, dl_manager):
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        digits = load_digits()
        train, test = train_test_split(
            np.arange(len(digits.target)), test_size=TEST_FRACTION,
            stratify=digits.target, random_state=SPLIT_SEED,
        )
        train, validation = train_test_split(
            train, test_size=VALIDATION_SIZE, stratify=digits.target[train], random_state=SPLIT_SEED,
        )
        return {
            "train": self._generate_examples(digits, train),
            "validation": self._generate_examples(digits, validation),
            "test": self._generate_examples(digits, test),
        }

    def _generate_examples(self, digits, indices):
        for index in indices:
            yield int(index), {
                "image": digits.images[index].astype(np.uint8)[..., None],
                "label": int(digits.target[index]),
                "index": int(index),
            }
