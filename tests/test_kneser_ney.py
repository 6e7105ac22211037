import itertools
import math

import pytest

from jax_zoo.baselines.kneser_ney import KneserNeyCharModel, fit_orders

TEXT = "the cat sat on the mat. the hat is on the cat."


@pytest.fixture(scope="module")
def model():
    return KneserNeyCharModel(order=3, vocabulary=set(TEXT) | {"z"}).fit(TEXT)


@pytest.mark.parametrize("context", ["", "t", "th", "xx", "the ", "zz"])
def test_probabilities_sum_to_one_over_the_vocabulary(model, context):
    assert math.isclose(sum(model.probability(char, context) for char in model.vocabulary), 1.0, rel_tol=1e-9)


def test_unseen_characters_get_a_small_positive_probability(model):
    assert 0 < model.probability("z", "th") < model.probability("e", "th")


def test_unigram_level_by_hand():
    model = KneserNeyCharModel(order=1, vocabulary="abc").fit("aab")
    # counts a=2, b=1: one character seen once, one twice -> D = 1 / (1 + 2 * 1) = 1/3;
    # two characters seen, total 3: P(a) = (2 - 1/3) / 3 + 1/3 * 2/3 * 1/3, P(c) = 1/3 * 2/3 * 1/3
    assert math.isclose(model.probability("a"), 5 / 9 + 2 / 27)
    assert math.isclose(model.probability("c"), 2 / 27)


def test_bits_per_character_over_windows(model):
    window = "the cat"
    expected = -sum(math.log2(model.probability(window[i], window[:i])) for i in range(1, len(window))) / 6
    assert math.isclose(model.bits_per_character([window]), expected)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="outside it"):
        KneserNeyCharModel(order=2, vocabulary="ab").fit("abc")
    with pytest.raises(ValueError, match="order: expected an integer >= 1, got 0"):
        KneserNeyCharModel(order=0, vocabulary="ab")


def test_orders_go_on_past_the_asked_ones_while_validation_improves():
    text = "abcdefgh" * 20
    held_out = {"validation": ["abcdefghabcdefgh"], "test": ["abcdefgh"]}
    rows = fit_orders(text, held_out, set(text), orders=[1, 3])
    orders = [row["order"] for row in rows]
    validation = [row["validation"]["bits_per_character"] for row in rows]
    # each order up to the last improves on the one before; the last one does not
    assert orders[:2] == [1, 3] and len(orders) >= 3
    assert all(later < earlier for earlier, later in itertools.pairwise(validation[:-1]))
    assert validation[-1] >= validation[-2]
    assert all(set(row) == {"order", "validation", "test", "wall_seconds"} for row in rows)
