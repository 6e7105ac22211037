"""A character n-gram model with interpolated Kneser-Ney smoothing, written by hand.

Written here because no installable library fits: KenLM's Python package only queries models
built by its C++ ``lmplz``, and NLTK's ``KneserNeyInterpolated`` is too slow for millions of
characters. The model follows Chen & Goodman (1998), interpolated Kneser-Ney with one absolute
discount per order, ``D = n1 / (n1 + 2 n2)`` from that order's count-of-counts:

    P(w | h) = max(c(hw) - D, 0) / c(h.) + D * N1+(h.) / c(h.) * P(w | h minus its first char)

where the highest order used reads raw counts ``c`` and every lower order reads continuation
counts (the number of distinct characters seen before ``hw``); an unseen history falls through
to the next order; the unigram level interpolates with the uniform distribution over the
vocabulary, so every character of the vocabulary has a probability > 0.
"""

import collections
import math
import time
from collections.abc import Iterable, Mapping, Sequence


def _discount(counts: Iterable[int]) -> float:
    count_of_counts = collections.Counter(counts)
    once, twice = count_of_counts[1], count_of_counts[2]
    return once / (once + 2 * twice) if once else 0.5


class _Level:
    """Counts of one order, either raw or continuation, with their per-history totals."""

    def __init__(self, counts: collections.Counter):
        self.counts = counts
        self.totals: collections.Counter = collections.Counter()
        self.followers: collections.Counter = collections.Counter()
        for gram, count in counts.items():
            self.totals[gram[:-1]] += count
            self.followers[gram[:-1]] += 1
        self.discount = _discount(counts.values())


class KneserNeyCharModel:
    """``order``-gram character model over ``vocabulary`` (the characters it can predict).

    >>> model = KneserNeyCharModel(order=5, vocabulary=set(text)).fit(text)
    >>> model.probability("e", context="Th")
    """

    def __init__(self, order: int, vocabulary: Iterable[str]):
        if order < 1:
            raise ValueError(f"order: expected an integer >= 1, got {order}")
        self.order = order
        self.vocabulary = frozenset(vocabulary)
        self.raw: list[_Level] = []
        self.continuation: list[_Level] = []

    def fit(self, text: str) -> "KneserNeyCharModel":
        outside = set(text) - self.vocabulary
        if outside:
            raise ValueError(f"text: expected characters of the vocabulary, got {sorted(outside)[:10]} outside it")
        raw_counts = [
            collections.Counter(text[start : start + n] for start in range(len(text) - n + 1))
            for n in range(1, self.order + 1)
        ]
        self.raw = [_Level(counts) for counts in raw_counts]
        self.continuation = []
        for n in range(1, self.order):
            continuation = collections.Counter(gram[1:] for gram in raw_counts[n])
            self.continuation.append(_Level(continuation))
        return self

    def _probability(self, char: str, context: str, top: bool) -> float:
        n = len(context) + 1
        if not self.raw:
            raise RuntimeError("call fit() before asking for probabilities")
        level = self.raw[n - 1] if top or n == self.order else self.continuation[n - 1]
        if n == 1:
            lower = 1.0 / len(self.vocabulary)
        else:
            lower = self._probability(char, context[1:], top=False)
        total = level.totals.get(context, 0)
        if total == 0:
            return lower
        count = level.counts.get(context + char, 0)
        discount = level.discount
        return (max(count - discount, 0.0) + discount * level.followers[context] * lower) / total

    def probability(self, char: str, context: str = "") -> float:
        """``P(char | the last order - 1 characters of context)``."""
        context = context[len(context) - self.order + 1 :] if self.order > 1 else ""
        return self._probability(char, context, top=True)

    def bits_per_character(self, windows: Iterable[str]) -> float:
        """Mean ``-log2 P`` of every character of each window but its first, each predicted from
        the characters before it in the same window (as a recurrent model that starts every
        window from a zero state sees them)."""
        total_bits, count = 0.0, 0
        for window in windows:
            for position in range(1, len(window)):
                total_bits -= math.log2(self.probability(window[position], window[:position]))
                count += 1
        return total_bits / max(count, 1)


def fit_orders(
    text: str, held_out: Mapping[str, Sequence[str]], vocabulary: Iterable[str], orders: Sequence[int]
) -> list[dict]:
    """Fits a model of each of ``orders`` on ``text``, then of ever higher orders (by 2) while
    the last one still lowered the ``"validation"`` bits per character; returns one row per
    order: ``{"order", <split>: {"bits_per_character"}, "wall_seconds"}`` (fit and scoring)."""
    vocabulary = frozenset(vocabulary)
    rows, pending = [], sorted(orders)
    while pending:
        order = pending.pop(0)
        start = time.perf_counter()
        model = KneserNeyCharModel(order, vocabulary).fit(text)
        scores = {split: {"bits_per_character": model.bits_per_character(windows)} for split, windows in held_out.items()}
        rows.append({"order": order, **scores, "wall_seconds": round(time.perf_counter() - start, 3)})
        del model  # the counts of high orders take gigabytes
        bits = [row["validation"]["bits_per_character"] for row in rows[-2:]]
        if not pending and len(bits) == 2 and bits[1] < bits[0]:
            pending.append(order + 2)
    return rows
