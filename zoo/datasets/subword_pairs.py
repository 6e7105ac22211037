"""The subword text-pair datasets: ``package_docstrings`` and ``stdlib_docstrings`` (a function's
source -> its docstring's first sentence, from pinned packages or from the standard library) and
``bible_en_es`` (a King James verse -> the Reina-Valera's).

Each side has its own ``sentencepiece`` unigram model (``subwords.train_tokenizer``), or both
share one (two tokenizers of the same name), trained on the train split's texts only, once, into
``<data dir>/<dataset>_tokenizers/<name>/`` (the same texts give the same model; delete the folder
to train them again). Examples are packed by ``text_pairs.pack_pairs`` to fixed caps chosen from
the train split's token counts (docs/data.md): what does not fit is cut or, in the train split
only, dropped, as each dataset's ``SubwordPairs`` says. Validation and test keep every pair; their
``targets`` arrays are cut to the cap, but their outputs are scored against the whole raw texts
(``text_pairs.text_references``).
"""

import dataclasses
from collections.abc import Callable
from pathlib import Path

import jax
import numpy as np

from jax_zoo.datasets import bible_pairs, docstring_pairs, package_docstrings
from jax_zoo.datasets.registry import Arrays, register_dataset
from jax_zoo.datasets.subwords import (
    BOS_ID,
    EOS_ID,
    SubwordTokenizer,
    train_tokenizer,
)
from jax_zoo.datasets.text_pairs import (
    TextPairTokenizers,
    pack_pairs,
    register_tokenizers,
    trained_tokenizers_dir,
)

PairReader = Callable[[str, Path], tuple[list[str], list[str]]]
"""``read(split, data_dir) -> (sources, targets)``: a split's raw texts, in a fixed order."""


@dataclasses.dataclass(frozen=True)
class SubwordPairs:
    """A text-pair dataset tokenized into subwords: its raw pairs, its tokenizers (sizes and
    caps), and how a train pair longer than the caps is treated: a source is cut to its first
    ``source_length`` tokens when ``cut_train_sources``, else the pair is dropped; a pair whose
    target (with its end marker) is longer than ``target_length`` is dropped."""

    name: str
    read: PairReader
    tokenizers: TextPairTokenizers
    cut_train_sources: bool
    split_sizes: dict[str, int]


@dataclasses.dataclass(frozen=True)
class FunctionSourceTokenizer(SubwordTokenizer):
    """A ``SubwordTokenizer`` of function sources that reads each after a first line of its
    function's name words (``docstring_pairs.with_name_words``)."""

    def model_text(self, text: str) -> str:
        return docstring_pairs.with_name_words(text)


def _read_stdlib_docstrings(split: str, directory: Path) -> tuple[list[str], list[str]]:
    records = docstring_pairs.split_functions(split, directory)
    return records["source"], records["summary"]


def _read_package_docstrings(split: str, directory: Path) -> tuple[list[str], list[str]]:
    records = package_docstrings.split_functions(split, directory)
    return records["source"], records["summary"]


DOCSTRING_TOKENIZERS = TextPairTokenizers(
    # One vocabulary for both sides, so the model can copy source subwords into the summary.
    source=FunctionSourceTokenizer("shared", 6000), target=SubwordTokenizer("shared", 6000),
    bos_id=BOS_ID, eos_id=EOS_ID,
    source_length=256,  # whole for 79% of the standard library's train functions, 72% of the packages'
    target_length=48,  # 47 tokens and EOS: whole for 98.7% and 97.1% of their train summaries
)
"""Both docstring corpora's caps and vocabulary size (docs/data.md); each trains its own vocabulary."""

PACKAGE_DOCSTRINGS = SubwordPairs(
    name="package_docstrings",
    read=_read_package_docstrings,
    tokenizers=DOCSTRING_TOKENIZERS,
    cut_train_sources=True,
    split_sizes={"train": 26469, "validation": 1748, "test": 2309},  # 782 train summaries over 47 tokens dropped
)
"""Functions of 26 pinned packages (``package_docstrings.PACKAGES``), split by package; sources cut
to their first 256 tokens in every split."""

STDLIB_DOCSTRINGS = SubwordPairs(
    name="stdlib_docstrings",
    read=_read_stdlib_docstrings,
    tokenizers=DOCSTRING_TOKENIZERS,
    cut_train_sources=True,
    split_sizes={"train": 5050, "validation": 769, "test": 416},  # 65 train summaries over 47 tokens dropped
)
"""Python 3.11.7's standard library, split by module (other versions have other pairs); sources
cut to their first 256 tokens in every split."""

BIBLE_EN_ES = SubwordPairs(
    name="bible_en_es",
    read=lambda split, directory: bible_pairs.split_pairs(split, directory),
    tokenizers=TextPairTokenizers(
        source=SubwordTokenizer("source", 4000), target=SubwordTokenizer("target", 4000),
        bos_id=BOS_ID, eos_id=EOS_ID,
        source_length=72,  # the 99th percentile of train verses is 71 English tokens (max 106)
        target_length=72,  # and 69 Spanish tokens (max 109), then EOS
    ),
    cut_train_sources=False,
    split_sizes={"train": 26833, "validation": 1228, "test": 2521},  # 294 train pairs over the caps dropped
)
"""Validation and test verses over 72 tokens (30 of 1,228 and 30 of 2,521 English ones) are cut
for the model; their outputs are still scored against the whole Spanish verse."""

DATASETS = {pairs.name: pairs for pairs in (PACKAGE_DOCSTRINGS, STDLIB_DOCSTRINGS, BIBLE_EN_ES)}


def prepared_tokenizers(pairs: SubwordPairs, directory: Path) -> TextPairTokenizers:
    """``pairs``' tokenizers bound to their files in data dir ``directory``, trained on the train
    split's sources and targets first if missing."""
    tokenizers = pairs.tokenizers.bound_to(trained_tokenizers_dir(pairs.name, directory))
    sides_of = {}
    for side in ("source", "target"):
        sides_of.setdefault(getattr(tokenizers, side).name, []).append(side)
    texts = None
    for sides in sides_of.values():
        tokenizer = getattr(tokenizers, sides[0])
        if tokenizer.path.is_file():
            continue
        texts = texts or dict(zip(("source", "target"), pairs.read("train", directory), strict=True))
        model_texts = [getattr(tokenizers, side).model_text(text) for side in sides for text in texts[side]]
        train_tokenizer(model_texts, tokenizer.size, tokenizer.directory)
    return tokenizers


def kept_pairs(pairs: SubwordPairs, split: str, directory: Path) -> tuple[list[str], list[np.ndarray], list[np.ndarray]]:
    """``(target texts, source ids, target ids)`` of the pairs ``split`` keeps (all but the train
    pairs over the caps), ids whole, in the split's order."""
    tokenizers = prepared_tokenizers(pairs, directory)
    sources, targets = pairs.read(split, directory)
    source_ids = [tokenizers.source.encode(text) for text in sources]
    target_ids = [tokenizers.target.encode(text) for text in targets]
    keep = [True] * len(sources)
    if split == "train":
        keep = [
            len(target) < tokenizers.target_length and (pairs.cut_train_sources or len(source) <= tokenizers.source_length)
            for source, target in zip(source_ids, target_ids)
        ]
    rows = [row for row, kept in enumerate(keep) if kept]
    return [targets[row] for row in rows], [source_ids[row] for row in rows], [target_ids[row] for row in rows]


def load_subword_pairs(pairs: SubwordPairs, split: str, directory: Path) -> Arrays:
    """``pack_pairs`` of the kept pairs, sources cut to ``source_length`` tokens and targets to
    ``target_length - 1`` (only validation and test ones can be longer)."""
    _, source_ids, target_ids = kept_pairs(pairs, split, directory)
    tokenizers = pairs.tokenizers
    return pack_pairs(
        [ids[: tokenizers.source_length] for ids in source_ids],
        [ids[: tokenizers.target_length - 1] for ids in target_ids],
        tokenizers,
    )


def register_subword_pairs(pairs: SubwordPairs, description: str) -> None:
    """Registers ``pairs`` as a dataset (``jax_zoo.load_dataset``) and its tokenizers and references
    (``text_pairs.register_tokenizers``)."""
    tokenizers = pairs.tokenizers
    register_dataset(
        pairs.name,
        example_spec={
            "inputs": jax.ShapeDtypeStruct((tokenizers.source_length + tokenizers.target_length,), np.int32),
            "targets": jax.ShapeDtypeStruct((tokenizers.target_length,), np.int32),
        },
        split_sizes=pairs.split_sizes,
        description=description,
    )(lambda split, directory: load_subword_pairs(pairs, split, directory))
    register_tokenizers(pairs.name, tokenizers, references=lambda split, directory: kept_pairs(pairs, split, directory)[0])


register_subword_pairs(PACKAGE_DOCSTRINGS, "Python function source from 26 pinned packages -> its docstring's first sentence; subword ids")
register_subword_pairs(STDLIB_DOCSTRINGS, "Python standard-library function source -> its docstring's first sentence; subword ids")
register_subword_pairs(BIBLE_EN_ES, "King James verse -> Reina-Valera 1909 verse (English -> Spanish); subword ids")
