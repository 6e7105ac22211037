"""The TFDS builder of ``python_source``: the standard library's modules as text."""

import numpy as np
import tensorflow_datasets as tfds

from jax_zoo.datasets import kjv
from jax_zoo.datasets.python_source import stdlib_modules


class PythonStdlibSource(tfds.core.GeneratorBasedBuilder):
    """The standard library's modules, one record each; module ``i`` (sorted by path) goes to the
    split ``kjv.split_of_book(i)`` gives a book, so held-out text comes from unseen modules."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Modules split by index modulo 11, like the KJV books."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.__doc__,
            features=tfds.features.FeaturesDict({
                "module": tfds.features.Tensor(shape=(), dtype=np.int32),
                "path": tfds.features.Text(),
                "text": tfds.features.Text(),
            }),
        )

    def _split_generators(self, dl_manager):
        modules = list(enumerate(stdlib_modules()))
        return {
            split: self._generate_examples([m for m in modules if kjv.split_of_book(m[0]) == split])
            for split in ("train", "validation", "test")
        }

    def _generate_examples(self, modules):
        for index, path in modules:
            yield index, {"module": index, "path": str(path), "text": path.read_text("utf-8", errors="replace")}
