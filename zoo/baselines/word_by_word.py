"""Word-by-word translation: each source word replaced by the target word most often aligned to
it, alignments from IBM model 1 (Brown et al., 1993) fitted by EM, in numpy."""

import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"\w+|[^\w\s]")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" ([,.;:!?)\]])")
_SPACE_AFTER_OPENING = re.compile(r"([¿¡(\[]) ")
NULL = 0
"""The empty source word, id 0: target words it aligns to have no counterpart in the source."""


def words(text: str) -> list[str]:
    """Lower-cased words and punctuation marks: ``"In the beginning,"`` -> ``["in", "the", "beginning", ","]``."""
    return _WORD.findall(text.lower())


def _segment_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Where each run of equal values of ``sorted_keys`` starts."""
    return np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])


def _ids(sentences: list[list[str]], reserve_null: bool) -> tuple[list[np.ndarray], list[str]]:
    vocabulary = {"": NULL} if reserve_null else {}
    ids = [np.array([vocabulary.setdefault(word, len(vocabulary)) for word in sentence], dtype=np.int32) for sentence in sentences]
    return ids, list(vocabulary)


def ibm1_dictionary(sources: Sequence[str], targets: Sequence[str], iterations: int = 10) -> dict[str, str]:
    """Source word -> the target word most often aligned to it.

    IBM model 1 (translation probabilities ``t(target word | source word)``, the source with an
    empty word, uniform start) is fitted by ``iterations`` EM steps; each target word is then
    aligned to the source word of highest ``t`` in its sentence pair (Viterbi), and each source
    word takes the target word aligned to it most often (``""`` when none is). Words are
    ``words(text)``; ties go to the target word seen first.
    """
    source_ids, source_words = _ids([words(text) for text in sources], reserve_null=True)
    target_ids, target_words = _ids([words(text) for text in targets], reserve_null=False)
    # One row per (target position, source position) of every pair, grouped by target position:
    # the EM posteriors are normalized over each target word's group.
    source_column, group = [], []
    position = 0
    for source, target in zip(source_ids, target_ids):
        with_null = np.concatenate([[NULL], source]).astype(np.int32)
        source_column.append(np.tile(with_null, len(target)))
        group.append(np.repeat(np.arange(position, position + len(target), dtype=np.int32), len(with_null)))
        position += len(target)
    source_column, group = np.concatenate(source_column), np.concatenate(group)
    target_column = np.concatenate(target_ids)[group]
    pair_codes, pair_of_row = np.unique(source_column.astype(np.int64) * len(target_words) + target_column, return_inverse=True)
    pair_source = (pair_codes // len(target_words)).astype(np.int32)
    probability = np.ones(len(pair_codes))
    for _ in range(iterations):
        row_probability = probability[pair_of_row]
        posterior = row_probability / np.bincount(group, weights=row_probability)[group]
        counts = np.bincount(pair_of_row, weights=posterior, minlength=len(pair_codes))
        probability = counts / np.bincount(pair_source, weights=counts)[pair_source]
    row_probability = probability[pair_of_row]
    best = np.maximum.reduceat(row_probability, _segment_starts(group))
    candidates = np.flatnonzero(row_probability == best[group])
    viterbi = candidates[_segment_starts(group[candidates])]
    aligned = np.bincount(pair_of_row[viterbi], minlength=len(pair_codes))
    dictionary = {}
    starts = _segment_starts(pair_source)
    for start, end in zip(starts, [*starts[1:], len(pair_codes)]):
        source = pair_source[start]
        if source != NULL:
            best_pair = start + int(np.argmax(aligned[start:end]))
            dictionary[source_words[source]] = target_words[pair_codes[best_pair] % len(target_words)] if aligned[best_pair] else ""
    return dictionary


def translate_word_by_word(text: str, dictionary: dict[str, str]) -> str:
    """``text``'s words each replaced by ``dictionary``'s word (unknown words copied, words
    without an aligned target dropped), a capital kept on the first letter, punctuation attached."""
    output = []
    for word in _WORD.findall(text):
        lower = word.lower()
        translated = dictionary.get(lower, lower)
        if translated:
            output.append(translated[:1].upper() + translated[1:] if word[:1].isupper() else translated)
    joined = " ".join(output)
    return _SPACE_AFTER_OPENING.sub(r"\1", _SPACE_BEFORE_PUNCTUATION.sub(r"\1", joined))
