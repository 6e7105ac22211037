"""The TFDS builder of ``names``: surnames by country from names-dataset."""

import numpy as np
import tensorflow_datasets as tfds

from jax_zoo.datasets.names import (
    COUNTRIES, SPLIT_SEED, TEST_FRACTION, VALIDATION_FRACTION, load_last_names, select_surnames,
)


class Surnames(tfds.core.GeneratorBasedBuilder):
    """Surnames of 14 countries from names-dataset 3.x, split 80/10/10 by surname.

    ``select_surnames`` picks the surnames; the split is stratified by country with a fixed seed
    (``train_test_split(..., stratify=country, random_state=0)``, twice). ``index`` is the
    surname's position in the sorted selection.
    """

    VERSION = tfds.core.Version("2.0.0")
    RELEASE_NOTES = {
        "1.0.0": "14 countries, top 1,000 surnames each, single-country surnames only.",
        "2.0.0": "Top 3,000 surnames each: 33,248 surnames, 26,598 / 3,325 / 3,325.",
    }

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.__doc__,
            features=tfds.features.FeaturesDict({
                "name": tfds.features.Text(),
                "country": tfds.features.ClassLabel(names=list(COUNTRIES)),
                "index": tfds.features.Tensor(shape=(), dtype=np.int32),
            }),
            supervised_keys=("name", "country"),
            homepage="https://github.com/philipperemy/name-dataset",
        )

    def _split_generators(self, dl_manager):
        from sklearn.model_selection import train_test_split

        selected = select_surnames(load_last_names())
        labels = [COUNTRIES.index(country) for _, country in selected]
        indices = np.arange(len(selected))
        train, held_out = train_test_split(
            indices, test_size=VALIDATION_FRACTION + TEST_FRACTION, stratify=labels, random_state=SPLIT_SEED
        )
        validation, test = train_test_split(
            held_out, test_size=0.5, stratify=[labels[i] for i in held_out], random_state=SPLIT_SEED
        )
        return {
            split: self._generate_examples(selected, part)
            for split, part in (("train", train), ("validation", validation), ("test", test))
        }

    def _generate_examples(self, selected, indices):
        for index in indices:
            surname, country = selected[index]
            yield int(index), {"name": surname, "country": country, "index": int(index)}
