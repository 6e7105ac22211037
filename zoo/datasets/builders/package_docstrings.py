"""The TFDS builder of the ``package_docstrings`` pairs."""

from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds

from jax_zoo.datasets import package_docstrings
from jax_zoo.datasets.package_docstrings import SPLITS, corpus_rows, fetch_wheels


class PackageDocstrings(tfds.core.GeneratorBasedBuilder):
    """Functions with docstrings from the pinned wheels of ``package_docstrings.PACKAGES`` -> the
    docstring's first sentence; whole packages held out for validation and test, copies left out
    (docs/data.md)."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "26 packages; jinja2 and xarray for validation, docutils and networkx for test."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.__doc__,
            features=tfds.features.FeaturesDict({
                "index": tfds.features.Tensor(shape=(), dtype=np.int32),
                "package": tfds.features.Text(),
                "path": tfds.features.Text(),
                "name": tfds.features.Text(),
                "source": tfds.features.Text(),
                "summary": tfds.features.Text(),
            }),
            supervised_keys=("source", "summary"),
        )

    def _split_generators(self, dl_manager):
        wheels = fetch_wheels(package_docstrings.PACKAGES, Path(dl_manager.download_dir) / "package_docstrings_wheels")
        rows = [{"index": index, **row} for index, row in enumerate(corpus_rows(package_docstrings.PACKAGES, wheels))]
        return {split: self._generate_examples([row for row in rows if row["split"] == split]) for split in SPLITS}

    def _generate_examples(self, rows):
        for row in rows:
            yield row["index"], {key: value for key, value in row.items() if key != "split"}
