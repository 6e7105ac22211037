"""Subword tokenizers: ``sentencepiece`` models trained on a training split, saved with a run.

Fixed ids in every model: ``PAD_ID = 0``, ``BOS_ID = 1`` (start of a target sequence),
``EOS_ID = 2`` (its end), ``UNKNOWN_ID = 3`` (a character absent from the training text);
subwords are ids 4 to ``vocab_size - 1``. Text is kept exactly (no normalization, whitespace and
newlines kept), so ``decode(encode(text)) == text`` for text of known characters.
"""

import dataclasses
import functools
import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import sentencepiece

from jax_zoo.core.errors import ZooError

PAD_ID, BOS_ID, EOS_ID, UNKNOWN_ID = 0, 1, 2, 3
MODEL_FILE = "subwords.model"


def train_tokenizer(
    texts: Iterable[str], vocab_size: int, directory: str | os.PathLike, *, model_type: str = "unigram",
    at_most: bool = False,
) -> Path:
    """Trains a ``model_type`` (``"unigram"`` or ``"bpe"``) model of exactly ``vocab_size`` pieces
    (``at_most``: as many as ``texts`` support, up to ``vocab_size``) on ``texts`` (every character
    covered, one thread: the same texts give the same model) and writes it to
    ``directory/subwords.model``, atomically; returns that path."""
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_writer=model,
        vocab_size=vocab_size,
        model_type=model_type,
        pad_id=PAD_ID,
        bos_id=BOS_ID,
        eos_id=EOS_ID,
        unk_id=UNKNOWN_ID,
        character_coverage=1.0,
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        split_digits=True,
        max_sentence_length=1 << 16,
        num_threads=1,
        minloglevel=2,
        hard_vocab_limit=not at_most,
    )
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MODEL_FILE
    with tempfile.NamedTemporaryFile(dir=directory, suffix=".tmp", delete=False) as file:
        file.write(model.getvalue())
    os.replace(file.name, path)
    return path


def load_tokenizer(path: str | os.PathLike) -> sentencepiece.SentencePieceProcessor:
    """The model at ``path`` (a ``subwords.model`` file, or the directory holding one).

    ``tokenizer.encode(texts)`` gives lists of ids, ``tokenizer.decode(ids)`` the texts back;
    ``tokenizer.get_piece_size()`` is the vocabulary size.
    """
    path = Path(path)
    if path.is_dir():
        path = path / MODEL_FILE
    if not path.is_file():
        raise ZooError(f"expected a sentencepiece model at {path}, found none")
    return sentencepiece.SentencePieceProcessor(model_file=str(path))


@functools.lru_cache(maxsize=16)
def _processor(path: str, modified: int) -> sentencepiece.SentencePieceProcessor:
    """The model at ``path``, read once per file version (``modified``: its mtime in ns)."""
    return load_tokenizer(path)


@dataclasses.dataclass(frozen=True)
class SubwordTokenizer:
    """A ``sentencepiece`` model of ``size`` pieces as a ``text_pairs.Tokenizer``: ids without
    markers from ``encode``, text from ``decode`` (up to the first ``EOS_ID``; padding and ``BOS_ID``
    dropped). ``directory`` holds its ``subwords.model``, read at first use; ``None`` (a dataset's
    declared tokenizer, not yet bound to its files, see ``text_pairs.TextPairTokenizers.bound_to``)
    knows only its size. A model of another size than declared is a ``ZooError``."""

    name: str
    """Its folder under the tokenizers' directory, e.g. ``"source"``."""
    size: int
    directory: Path | None = None

    @property
    def path(self) -> Path:
        if self.directory is None:
            raise ZooError(f"the {self.name} tokenizer is not bound to a directory of trained models")
        return self.directory / MODEL_FILE

    @property
    def processor(self) -> sentencepiece.SentencePieceProcessor:
        path = self.path
        if not path.is_file():
            raise ZooError(f"expected a sentencepiece model at {path}, found none")
        processor = _processor(str(path), path.stat().st_mtime_ns)
        if processor.get_piece_size() != self.size:
            raise ZooError(
                f"{path}: expected a model of {self.size} pieces, got {processor.get_piece_size()}; "
                f"it was trained for another version: delete it to train it again"
            )
        return processor

    def bound_to(self, directory: str | os.PathLike) -> "SubwordTokenizer":
        """This tokenizer reading ``directory/<name>/subwords.model``."""
        return dataclasses.replace(self, directory=Path(directory) / self.name)

    def model_text(self, text: str) -> str:
        """What the model reads of ``text``: ``text`` itself (a subclass may add to it); the
        tokenizer is trained on and encodes these texts."""
        return text

    def encode(self, text: str) -> np.ndarray:
        """``<int32>[tokens]`` of ``model_text(text)``; characters absent from the training text
        become ``UNKNOWN_ID``."""
        return np.asarray(self.processor.encode(self.model_text(text)), np.int32)

    def decode(self, ids) -> str:
        ids = np.asarray(ids).tolist()
        ids = ids[: ids.index(EOS_ID)] if EOS_ID in ids else ids
        return self.processor.decode([i for i in ids if i not in (PAD_ID, BOS_ID)])

    def unknown_characters(self, text: str) -> list[str]:
        """The distinct characters of ``text`` the model reads as ``UNKNOWN_ID``, in order of appearance."""
        processor = self.processor
        return [char for char in dict.fromkeys(text) if UNKNOWN_ID in processor.encode(char)]
