import numpy as np
import pytest

from jax_zoo.datasets.char_vocabulary import UNKNOWN_ID, CharVocabulary, next_character_windows, padded_ids

VOCABULARY = CharVocabulary("abc ")


def test_round_trip_and_unknown_characters():
    ids = VOCABULARY.encode("ab cx")
    np.testing.assert_array_equal(ids, [2, 3, 5, 4, UNKNOWN_ID])
    assert VOCABULARY.decode(ids) == "ab c\ufffd"
    assert VOCABULARY.unknown_characters("xaxyz") == ["x", "y", "z"]
    assert VOCABULARY.size == 6


def test_padding_and_windows():
    np.testing.assert_array_equal(padded_ids(["ab", "c"], VOCABULARY, 3), [[2, 3, 0], [4, 0, 0]])
    with pytest.raises(ValueError, match="expected at most 3 characters, got 4"):
        padded_ids(["abca"], VOCABULARY, 3)
    windows = next_character_windows(np.arange(10), 4)
    np.testing.assert_array_equal(windows["inputs"], [[0, 1, 2, 3], [4, 5, 6, 7]])
    np.testing.assert_array_equal(windows["targets"], [[1, 2, 3, 4], [5, 6, 7, 8]])


def test_bad_vocabularies_and_ids_are_named():
    with pytest.raises(ValueError, match="expected distinct characters"):
        CharVocabulary("aba")
    with pytest.raises(ValueError, match=r"expected values in \[0, 6\), got 0..9"):
        VOCABULARY.decode([0, 9])


def test_sequence_markers_take_ids_2_and_3_and_decoding_stops_at_the_end_marker():
    from jax_zoo.datasets.char_vocabulary import BOS_ID, EOS_ID

    markers = CharVocabulary("abc ", sequence_markers=True)
    assert markers.size == 8 and markers.encode("ab").tolist() == [4, 5]
    assert markers.decode([BOS_ID, 4, 5, EOS_ID, 6, 0]) == "ab"
