"""Sequence-to-sequence examples from (source, target) text pairs, and the tokenizers that made them.

An example's ``inputs`` are ``<int32>[source_length + target_length]``: the source ids, right-padded
with 0, then the decoder's input, ``BOS`` and the target ids, right-padded (``jax_zoo.models.Seq2Seq``'s
packed inputs); its ``targets`` are ``<int32>[target_length]``: the target ids then ``EOS``,
right-padded. A dataset of text pairs registers its tokenizers with ``register_tokenizers`` so a
trained model can read new text and write its output (``jax_zoo.api.translate``), and the raw target
texts its test outputs are scored against (``text_references``).

Tokenizers are fixed (``CharVocabulary``) or trained files (``subwords.SubwordTokenizer``). Trained
ones live beside the prepared data, in ``<data dir>/<dataset>_tokenizers/<name>/`` (``source/`` and
``target/``, or one ``shared/``), trained once from the train split; ``zoo train`` copies them
into the run's ``<workdir>/tokenizers/`` (``save_run_tokenizers``), and everything that reads a
run afterwards (its test report, ``zoo translate``, ``zoo predict``) reads that copy
(``run_tokenizers``), so a workdir is all that decoding needs.
"""

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from jax_zoo.core.errors import UnknownNameError, WorkdirError, ZooError
from jax_zoo.datasets.registry import ensure_registered, list_datasets


class Tokenizer(Protocol):
    """Text <-> ids, with padding 0 and (targets) beginning and end markers ``BOS_ID``, ``EOS_ID``."""

    size: int

    def encode(self, text: str) -> np.ndarray: ...

    def decode(self, ids) -> str: ...

    def unknown_characters(self, text: str) -> list[str]: ...


@dataclasses.dataclass(frozen=True)
class TextPairTokenizers:
    """How a text-pair dataset turns text into ids: ``source`` and ``target`` tokenizers, the
    target's ``bos_id``/``eos_id``, and the longest source and target (with its marker) in ids."""

    source: Tokenizer
    target: Tokenizer
    bos_id: int
    eos_id: int
    source_length: int
    target_length: int

    @property
    def trained(self) -> bool:
        """Whether the tokenizers are trained files (to be bound to a directory before use)."""
        return hasattr(self.source, "bound_to") or hasattr(self.target, "bound_to")

    def bound_to(self, directory: str | os.PathLike) -> "TextPairTokenizers":
        """These tokenizers reading their trained files from ``directory/<name>/``
        (fixed vocabularies are unchanged)."""
        return dataclasses.replace(
            self, **{side: getattr(self, side).bound_to(directory) for side in ("source", "target")
                     if hasattr(getattr(self, side), "bound_to")},
        )


References = Callable[[str, Path], list[str]]
"""``references(split, data_dir)``: the split's raw target texts, in the order of its examples."""
RUN_TOKENIZERS = "tokenizers"
"""A run's copy of its dataset's trained tokenizers: ``<workdir>/tokenizers/``."""

_TOKENIZERS: dict[str, TextPairTokenizers] = {}
_REFERENCES: dict[str, References] = {}
_DIRECTORIES: dict[str, Path] = {}


def register_tokenizers(
    dataset: str, tokenizers: TextPairTokenizers, references: References | None = None,
    directory: str | os.PathLike | None = None,
) -> None:
    """Registers a text-pair dataset's tokenizers and, when its test outputs are to be scored as
    text (BLEU, chrF, ROUGE-L in ``results.json``), the loader of its ``references``. Trained
    tokenizers live in ``directory`` when given (a dataset of one's own), else in the data dir."""
    _TOKENIZERS[dataset] = tokenizers
    if references is not None:
        _REFERENCES[dataset] = references
    if directory is not None:
        _DIRECTORIES[dataset] = Path(directory)


def text_pair_datasets() -> list[str]:
    """The datasets whose tokenizers are registered."""
    list_datasets()  # registers the zoo's datasets, and their tokenizers with them
    return sorted(_TOKENIZERS)


def text_pair_tokenizers(dataset: str, directory: str | os.PathLike | None = None) -> TextPairTokenizers:
    """The dataset's tokenizers; trained ones are bound to ``directory`` (a run's ``tokenizers``
    folder or a dataset's ``trained_tokenizers_dir``) when given, else only their sizes are known."""
    ensure_registered(dataset)
    try:
        tokenizers = _TOKENIZERS[dataset]
    except KeyError:
        raise UnknownNameError("text-pair dataset", dataset, _TOKENIZERS) from None
    return tokenizers.bound_to(directory) if directory is not None and tokenizers.trained else tokenizers


def text_references(dataset: str, split: str, directory: str | os.PathLike) -> list[str] | None:
    """The raw target texts of ``split`` (one split) read from data dir ``directory``, or None when
    the dataset registered none."""
    ensure_registered(dataset)
    references = _REFERENCES.get(dataset)
    return None if references is None else references(split, Path(directory))


def trained_tokenizers_dir(dataset: str, directory: str | os.PathLike) -> Path:
    """Where a dataset's trained tokenizers live in data dir ``directory``: ``<dataset>_tokenizers``."""
    return Path(directory) / f"{dataset}_tokenizers"


def save_run_tokenizers(dataset: str, data_directory: str | os.PathLike, workdir: str | os.PathLike) -> None:
    """Copies the dataset's trained tokenizers (already trained: its splits are loaded) into
    ``<workdir>/tokenizers/``, atomically; nothing for fixed vocabularies or datasets that are not
    text pairs. A run that already has a copy keeps it, and a copy that differs from the data
    dir's is a ``WorkdirError`` (the data would be encoded with other subwords than the run was
    trained on)."""
    ensure_registered(dataset)
    if dataset not in _TOKENIZERS or not _TOKENIZERS[dataset].trained:
        return
    source = _DIRECTORIES.get(dataset) or trained_tokenizers_dir(dataset, data_directory)
    target = Path(workdir) / RUN_TOKENIZERS
    if target.is_dir():
        prepared, saved = _file_contents(source), _file_contents(target)
        if prepared != saved:
            differing = sorted(name for name in prepared.keys() | saved.keys() if prepared.get(name) != saved.get(name))
            raise WorkdirError(
                f"{target} holds other tokenizers than {source} ({', '.join(differing)} differ): the run was "
                f"trained on other subwords; pass --restart to train again, or point ZOO_DATA_DIR at the run's data"
            )
        return
    staging = Path(tempfile.mkdtemp(dir=workdir, prefix=f".{RUN_TOKENIZERS}."))
    shutil.copytree(source, staging, dirs_exist_ok=True)
    os.replace(staging, target)


def _file_contents(directory: Path) -> dict[str, bytes]:
    return {path.relative_to(directory).as_posix(): path.read_bytes() for path in directory.rglob("*") if path.is_file()}


def run_tokenizers(dataset: str, workdir: str | os.PathLike) -> TextPairTokenizers:
    """The tokenizers a run in ``workdir`` was trained with: its ``tokenizers/`` copy for trained
    ones (a ``ZooError`` naming it when missing), the dataset's for fixed vocabularies."""
    tokenizers = text_pair_tokenizers(dataset)
    if not tokenizers.trained:
        return tokenizers
    directory = Path(workdir) / RUN_TOKENIZERS
    if not directory.is_dir():
        raise ZooError(
            f"{workdir} holds no tokenizers: expected {directory}, which `zoo train` copies there from the "
            f"prepared {dataset!r} data"
        )
    return tokenizers.bound_to(directory)


def pack_pairs(
    source_ids: Sequence[np.ndarray], target_ids: Sequence[np.ndarray], tokenizers: TextPairTokenizers
) -> dict[str, np.ndarray]:
    """``{"inputs": <int32>[n, source_length + target_length], "targets": <int32>[n, target_length]}``
    from each pair's ids (without markers); a pair too long for the lengths is a ``ValueError``."""
    count, source_length, target_length = len(source_ids), tokenizers.source_length, tokenizers.target_length
    inputs = np.zeros((count, source_length + target_length), np.int32)
    targets = np.zeros((count, target_length), np.int32)
    for row, (source, target) in enumerate(zip(source_ids, target_ids, strict=True)):
        if len(source) > source_length or len(target) + 1 > target_length:
            raise ValueError(
                f"pair {row}: expected at most {source_length} source and {target_length - 1} target ids, "
                f"got {len(source)} and {len(target)}"
            )
        inputs[row, : len(source)] = source
        inputs[row, source_length] = tokenizers.bos_id
        inputs[row, source_length + 1 : source_length + 1 + len(target)] = target
        targets[row, : len(target)] = target
        targets[row, len(target)] = tokenizers.eos_id
    return {"inputs": inputs, "targets": targets}
