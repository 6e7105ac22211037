"""Sequence-to-sequence examples from (source, target) text pairs, and the tokenizers that made them.

An example's ``inputs`` are ``<int32>[source_length + target_length]``: the source ids, right-padded
with 0, then the decoder's input, ``BOS`` and the target ids, right-padded (``models.Seq2Seq``'s
packed inputs); its ``targets`` are ``<int32>[target_length]``: the target ids then ``EOS``,
right-padded. A dataset of text pairs registers its tokenizers with ``register_tokenizers`` so a
trained model can read new text and write its output (``zoo.jobs.translate``).
"""

import dataclasses
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from zoo.core.errors import UnknownNameError


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


_TOKENIZERS: dict[str, TextPairTokenizers] = {}


def register_tokenizers(dataset: str, tokenizers: TextPairTokenizers) -> None:
    _TOKENIZERS[dataset] = tokenizers


def text_pair_datasets() -> list[str]:
    """The datasets whose tokenizers are registered."""
    return sorted(_TOKENIZERS)


def text_pair_tokenizers(dataset: str) -> TextPairTokenizers:
    try:
        return _TOKENIZERS[dataset]
    except KeyError:
        raise UnknownNameError("text-pair dataset", dataset, _TOKENIZERS) from None


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
