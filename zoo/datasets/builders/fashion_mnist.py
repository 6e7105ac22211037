"""The TFDS builder of ``fashion_mnist_local``: the IDX files of ``dataset-fashion-mnist``."""

import numpy as np
import tensorflow_datasets as tfds

from jax_zoo.datasets.fashion_mnist import CLASS_NAMES, OFFICIAL_SIZES, source_files
from jax_zoo.datasets.idx import read_idx


class FashionMnistLocal(tfds.core.GeneratorBasedBuilder):
    """Fashion-MNIST (Zalando, MIT licence): 60,000 train and 10,000 test grey 28x28 images of
    10 clothing classes, converted from the IDX files of ``dataset-fashion-mnist``.

    Images are stored as they ship, ``uint8[28, 28, 1]``; ``index`` is the position in the IDX file.
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "The official train/test split of the IDX files."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.__doc__,
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Tensor(shape=(28, 28, 1), dtype=np.uint8),
                "label": tfds.features.ClassLabel(names=CLASS_NAMES),
                "index": tfds.features.Tensor(shape=(), dtype=np.int32),
            }),
            supervised_keys=("image", "label"),
            homepage="https://github.com/zalandoresearch/fashion-mnist",
        )

    def _split_generators(self, dl_manager):
        return {split: self._generate_examples(split) for split in OFFICIAL_SIZES}

    def _generate_examples(self, split: str):
        images_path, labels_path = source_files(split)
        size = OFFICIAL_SIZES[split]
        images = read_idx(images_path, (size, 28, 28))
        labels = read_idx(labels_path, (size,))
        for index in range(size):
            yield index, {"image": images[index][..., None], "label": int(labels[index]), "index": index}
