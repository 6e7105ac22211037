"""Subword tokenizers: ``sentencepiece`` models trained on a training split, saved with a run.

Fixed ids in every model: ``PAD_ID = 0``, ``BOS_ID = 1`` (start of a target sequence),
``EOS_ID = 2`` (its end), ``UNKNOWN_ID = 3`` (a character absent from the training text);
subwords are ids 4 to ``vocab_size - 1``. Text is kept exactly (no normalization, whitespace and
newlines kept), so ``decode(encode(text)) == text`` for text of known characters.
"""

import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import sentencepiece

from zoo.core.errors import ZooError

PAD_ID, BOS_ID, EOS_ID, UNKNOWN_ID = 0, 1, 2, 3
MODEL_FILE = "subwords.model"


def train_tokenizer(
    texts: Iterable[str], vocab_size: int, directory: str | os.PathLike, *, model_type: str = "unigram"
) -> Path:
    """Trains a ``model_type`` (``"unigram"`` or ``"bpe"``) model of exactly ``vocab_size`` pieces
    on ``texts`` (every character covered, one thread: the same texts give the same model) and
    writes it to ``directory/subwords.model``, atomically; returns that path."""
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
