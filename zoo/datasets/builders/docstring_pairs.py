"""The TFDS builder of the ``stdlib_docstrings`` pairs, one config per Python version."""

import sysconfig
from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds

from jax_zoo.datasets import kjv
from jax_zoo.datasets.docstring_pairs import function_pairs, python_version
from jax_zoo.datasets.python_source import stdlib_modules


class DocstringSummary(tfds.core.GeneratorBasedBuilder):
    """Standard-library functions with docstrings -> the docstring's first sentence
    (``function_pairs``), one config per Python version (the data is that version's library).

    Modules are ``python_source.stdlib_modules()`` (no tests, IDLE or site-packages), sorted by
    path; module ``i`` goes to ``kjv.split_of_book(i)``, so no module is in two splits. Python
    3.11.7: 674 modules (552 / 61 / 61), 6,300 pairs: 5,115 / 769 / 416 train / validation / test.
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Modules split by index modulo 11."}
    BUILDER_CONFIGS = [tfds.core.BuilderConfig(name=f"python{python_version()}", description="the running Python")]

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.__doc__,
            features=tfds.features.FeaturesDict({
                "index": tfds.features.Tensor(shape=(), dtype=np.int32),
                "module": tfds.features.Tensor(shape=(), dtype=np.int32),
                "path": tfds.features.Text(),
                "name": tfds.features.Text(),
                "source": tfds.features.Text(),
                "summary": tfds.features.Text(),
            }),
            supervised_keys=("source", "summary"),
            homepage="https://docs.python.org/3/library/",
        )

    def _split_generators(self, dl_manager):
        root = Path(sysconfig.get_paths()["stdlib"])
        rows = [
            (module, path.relative_to(root).as_posix(), pair)
            for module, path in enumerate(stdlib_modules(root))
            for pair in function_pairs(path.read_text("utf-8"))
        ]
        numbered = [(index, *row) for index, row in enumerate(rows)]
        return {
            split: self._generate_examples([row for row in numbered if kjv.split_of_book(row[1]) == split])
            for split in ("train", "validation", "test")
        }

    def _generate_examples(self, rows):
        for index, module, path, pair in rows:
            yield index, {"index": index, "module": module, "path": path, **pair._asdict()}
