"""The translation and summary baselines: IBM model 1 word by word, a function's name as a sentence."""

import pytest

from jax_zoo.baselines.name_sentence import name_as_sentence
from jax_zoo.baselines.word_by_word import ibm1_dictionary, translate_word_by_word, words

ENGLISH = ["the house", "the book", "a book"]
GERMAN = ["das Haus", "das Buch", "ein Buch"]


def test_ibm_model_1_aligns_the_classic_toy_corpus():
    assert ibm1_dictionary(ENGLISH, GERMAN, iterations=5) == {"the": "das", "house": "haus", "book": "buch", "a": "ein"}


def test_word_by_word_keeps_capitals_copies_unknown_words_and_drops_unaligned_ones():
    dictionary = {"the": "das", "book": "buch", "of": ""}
    assert translate_word_by_word("The book of Moses, the book.", dictionary) == "Das buch Moses, das buch."
    assert words("In the beginning,") == ["in", "the", "beginning", ","]


@pytest.mark.parametrize("name, sentence", [
    ("get_value", "Get value."),
    ("getOptionalRelease", "Get optional release."),
    ("__init__", "Init."),
    ("parseHTTPHeader", "Parse http header."),
    ("to_utf8", "To utf8."),
])
def test_a_function_name_reads_as_a_sentence(name, sentence):
    assert name_as_sentence(name) == sentence
