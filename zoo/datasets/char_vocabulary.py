"""Character vocabularies and fixed-length windows of text, for the text datasets."""

import dataclasses

import numpy as np

PAD_ID = 0
UNKNOWN_ID = 1
BOS_ID = 2
EOS_ID = 3
UNKNOWN_SYMBOL = "\ufffd"


@dataclasses.dataclass(frozen=True)
class CharVocabulary:
    """Id 0 is padding, id 1 the unknown symbol, ids 2... the characters of ``symbols`` in order.

    With ``sequence_markers=True`` (sequence-to-sequence targets), ids 2 and 3 are the beginning
    and the end of a sequence (``BOS_ID``, ``EOS_ID``) and the characters start at id 4.
    """

    symbols: str
    sequence_markers: bool = False

    def __post_init__(self):
        if len(set(self.symbols)) != len(self.symbols):
            raise ValueError(f"symbols: expected distinct characters, got repeats in {self.symbols!r}")

    @property
    def first_character_id(self) -> int:
        return 4 if self.sequence_markers else 2

    @property
    def size(self) -> int:
        return len(self.symbols) + self.first_character_id

    def unknown_characters(self, text: str) -> list[str]:
        """The distinct characters of ``text`` outside the vocabulary, in order of appearance."""
        known = set(self.symbols)
        return list(dict.fromkeys(char for char in text if char not in known))

    def encode(self, text: str) -> np.ndarray:
        """``<int32>[len(text)]`` ids; characters outside the vocabulary become ``UNKNOWN_ID``."""
        table = {char: index + self.first_character_id for index, char in enumerate(self.symbols)}
        return np.fromiter((table.get(char, UNKNOWN_ID) for char in text), dtype=np.int32, count=len(text))

    def decode(self, ids) -> str:
        """Text of ``ids``: padding is dropped, the unknown id reads as U+FFFD; with sequence
        markers, the text ends before the first ``EOS_ID`` and ``BOS_ID`` is dropped."""
        ids = np.asarray(ids)
        if ids.size and (ids.min() < 0 or ids.max() >= self.size):
            raise ValueError(f"ids: expected values in [0, {self.size}), got {ids.min()}..{ids.max()}")
        ids = ids.tolist()
        if self.sequence_markers:
            ids = ids[: ids.index(EOS_ID)] if EOS_ID in ids else ids
            ids = [i for i in ids if i != BOS_ID]
        first = self.first_character_id
        return "".join(UNKNOWN_SYMBOL if i == UNKNOWN_ID else self.symbols[i - first] for i in ids if i != PAD_ID)


def padded_ids(texts: list[str], vocabulary: CharVocabulary, length: int) -> np.ndarray:
    """``<int32>[len(texts), length]``: each text's ids, right-padded with ``PAD_ID``."""
    ids = np.full((len(texts), length), PAD_ID, dtype=np.int32)
    for row, text in enumerate(texts):
        if len(text) > length:
            raise ValueError(f"text {text!r}: expected at most {length} characters, got {len(text)}")
        ids[row, : len(text)] = vocabulary.encode(text)
    return ids


def next_character_windows(ids: np.ndarray, length: int) -> dict[str, np.ndarray]:
    """Non-overlapping windows for next-character prediction: ``inputs`` and ``targets``, each
    ``<int32>[(len(ids) - 1) // length, length]``, targets shifted by one character.

    Every character but the first is a target exactly once; the last ``(len(ids) - 1) % length``
    characters, too few for a full window, are left out, so all windows are full and the
    per-window mean loss averages to the per-character mean.
    """
    count = (len(ids) - 1) // length
    return {
        "inputs": ids[: count * length].reshape(count, length),
        "targets": ids[1 : count * length + 1].reshape(count, length),
    }
