"""English -> Spanish verse pairs: the King James Bible (``sword-text-kjv``) beside the
Reina-Valera 1909 (``sword-text-sparv``), paired by verse slot, split by whole books."""

import collections
import re
from pathlib import Path


from jax_zoo.core.errors import ZooError
from jax_zoo.datasets import kjv
from jax_zoo.datasets.sword import VerseKey, plain_text
from jax_zoo.datasets.tfds_local import prepare, read_split

ENGLISH_MODULE = kjv.SWORD_MODULE
SPANISH_MODULE = Path("/usr/share/sword/modules/texts/ztext/spaRV1909eb")
MIN_STRONG_OVERLAP = 0.2
"""A pair is kept when its two verses share at least this Jaccard overlap of Strong's numbers."""
_STRONG = re.compile(r"strong:([HG]\d+)")


def require_modules() -> None:
    """Raises ``ZooError`` naming the Debian packages whose SWORD modules are missing."""
    missing = [
        f"{package} (no {module})"
        for package, module in (("sword-text-kjv", ENGLISH_MODULE), ("sword-text-sparv", SPANISH_MODULE))
        if not module.is_dir()
    ]
    if missing:
        raise ZooError(
            f"bible_en_es needs the King James and Reina-Valera 1909 SWORD modules; missing: "
            f"{', '.join(missing)}. Install them with `apt-get install sword-text-kjv sword-text-sparv`."
        )


def verse_text(markup: str) -> str:
    """A verse's plain text (``sword.plain_text``) without the KJV's paragraph sign ``¶``, which
    the Spanish text does not mark."""
    return plain_text(markup.replace("¶", ""))


def strong_numbers(markup: str) -> set[str]:
    """The Strong's numbers a verse's words are tagged with, e.g. ``{"H7225", "H0430"}``."""
    return set(_STRONG.findall(markup))


def _overlap(first: set[str], second: set[str]) -> float:
    return len(first & second) / len(first | second) if first and second else 0.0


def pair_verses(
    english: list[tuple[VerseKey, str]], spanish: list[tuple[VerseKey, str]]
) -> tuple[list[tuple[VerseKey, str, str]], dict[str, int]]:
    """``([(key, english text, spanish text)], counts)`` from two modules' verse slots
    (``sword.read_verses``), slot ``i`` with slot ``i``.

    Dropped: slots empty on either side; pairs whose Strong's numbers overlap (Jaccard) less than
    ``MIN_STRONG_OVERLAP``, or less than the English verse's overlap with the Spanish verse of the
    slot before or after: the Reina-Valera numbers some chapters differently (Numbers 13,
    1 Samuel 24, Job 39-41, ...), and there slot ``i`` holds a neighbouring verse. ``counts``
    says how many slots each rule dropped and how many pairs remain.
    """
    if [key for key, _ in english] != [key for key, _ in spanish]:
        raise ValueError("english, spanish: expected modules of one versification (the same verse slots)")
    texts = [(verse_text(first), verse_text(second)) for (_, first), (_, second) in zip(english, spanish)]
    english_strong = [strong_numbers(markup) for _, markup in english]
    spanish_strong = [strong_numbers(markup) for _, markup in spanish]
    counts = collections.Counter(slots=len(english))
    pairs = []
    for i, (key, _) in enumerate(english):
        if not texts[i][0] or not texts[i][1]:
            counts["empty"] += 1
            continue
        own = _overlap(english_strong[i], spanish_strong[i])
        neighbours = [_overlap(english_strong[i], spanish_strong[j]) for j in (i - 1, i + 1) if 0 <= j < len(english)]
        if own < MIN_STRONG_OVERLAP or own < max(neighbours):
            counts["mismatched"] += 1
            continue
        pairs.append((key, *texts[i]))
    counts["pairs"] = len(pairs)
    return pairs, dict(counts)


def book_indices(pairs: list[tuple[VerseKey, str, str]]) -> dict[str, int]:
    """Book id -> canonical index 0-65, in order of first appearance."""
    return {book: index for index, book in enumerate(dict.fromkeys(key[0] for key, _, _ in pairs))}


SPLIT_SIZES = {"train": 27127, "validation": 1228, "test": 2521}
"""Pairs per split (54 / 6 / 6 books)."""


def split_pairs(split: str, directory: Path) -> tuple[list[str], list[str]]:
    """``(english verses, spanish verses)`` of ``split`` in canon order; raises ``ZooError`` when
    the SWORD modules are not installed."""
    require_modules()
    from jax_zoo.datasets.builders.bible_pairs import BibleEnEs  # imports TFDS, only when data is read

    records = read_split(prepare(BibleEnEs, directory), split, order_key="index")
    return [text.decode("utf-8") for text in records["english"]], [text.decode("utf-8") for text in records["spanish"]]
