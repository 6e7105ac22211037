"""Subword tokenizers: fixed special ids, exact round trips, the same model from the same text."""

import pytest

from jax_zoo.core.errors import ZooError
from jax_zoo.datasets.subwords import BOS_ID, EOS_ID, MODEL_FILE, PAD_ID, UNKNOWN_ID, load_tokenizer, train_tokenizer

TEXTS = [
    "In the beginning God created the heaven and the earth.",
    "EN el principio crió Dios los cielos y la tierra.",
    "def get_value(key):\n    return table[key]  # 2 spaces",
] * 20


def test_special_ids_are_fixed_and_text_round_trips(tmp_path):
    tokenizer = load_tokenizer(train_tokenizer(TEXTS, 50, tmp_path))
    assert (tokenizer.pad_id(), tokenizer.bos_id(), tokenizer.eos_id(), tokenizer.unk_id()) == (PAD_ID, BOS_ID, EOS_ID, UNKNOWN_ID) == (0, 1, 2, 3)
    assert tokenizer.get_piece_size() == 50
    for text in TEXTS[:3]:
        ids = tokenizer.encode(text)
        assert min(ids) > UNKNOWN_ID and tokenizer.decode(ids) == text
    assert UNKNOWN_ID in tokenizer.encode("crió €")


def test_the_same_texts_give_the_same_model(tmp_path):
    first = train_tokenizer(TEXTS, 50, tmp_path / "first")
    second = train_tokenizer(TEXTS, 50, tmp_path / "second")
    assert first.name == MODEL_FILE and first.read_bytes() == second.read_bytes()
    assert load_tokenizer(tmp_path / "first").encode(TEXTS[:3]) == load_tokenizer(second).encode(TEXTS[:3])


def test_a_directory_without_a_model_is_named(tmp_path):
    with pytest.raises(ZooError, match=f"expected a sentencepiece model at .*{MODEL_FILE}"):
        load_tokenizer(tmp_path)
