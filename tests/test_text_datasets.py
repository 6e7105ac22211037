"""The text datasets: KJV windows split by book, surnames split by name, the stdlib fallback."""

import numpy as np
import pytest

import jax_zoo as zoo
from jax_zoo.datasets.kjv import SWORD_MODULE, VOCABULARY, split_of_book
from jax_zoo.datasets.names import COUNTRIES, select_surnames
from jax_zoo.datasets.sword import SwordModuleError, plain_text, read_books

needs_kjv = pytest.mark.usefixtures("kjv_module")  # skipped without it, failed under CI


def test_markup_is_stripped_and_notes_dropped():
    markup = (
        'And <w lemma="strong:H0430">God</w> <transChange type="added">it was</transChange>'
        ' good.<note placement="foot"><reference>1.4 </reference>Heb. between</note>  <div eID="x"/>'
    )
    assert plain_text(markup) == "And God it was good."


def test_a_missing_module_is_named(tmp_path):
    with pytest.raises(SwordModuleError, match=r"expected a SWORD zText module in .*, missing .*ot\.bzs"):
        read_books(tmp_path)


@needs_kjv
def test_the_kjv_module_reads_as_66_books_of_92_symbols():
    books = read_books(SWORD_MODULE)
    assert len(books) == 66 and books[0][0] == "Gen" and books[-1][0] == "Rev"
    text = "\n".join(text for _, text in books)
    assert len(text) == 4_153_411 and set(text) == set(VOCABULARY.symbols)
    assert text.split("\n")[1] == "In the beginning God created the heaven and the earth."


@needs_kjv
def test_kjv_windows_hold_every_character_of_their_books_once():
    train, validation = zoo.load_dataset("kjv", "train"), zoo.load_dataset("kjv", "validation")
    assert train["inputs"].shape == (28179, 128) and validation["targets"].shape == (1465, 128)
    np.testing.assert_array_equal(train["inputs"][1:, 0], train["targets"][:-1, -1])
    np.testing.assert_array_equal(train["inputs"][:, 1:], train["targets"][:, :-1])
    assert VOCABULARY.decode(validation["inputs"][0]).startswith("The Book of Joshua")
    assert (train["targets"] >= 2).all(), "no padding and no unknown symbol in the KJV"


def test_books_are_split_by_index():
    splits = [split_of_book(index) for index in range(66)]
    assert splits.count("validation") == splits.count("test") == 6 and splits[5] == "validation"


def test_surname_selection_keeps_single_country_latin_names():
    table = {
        "Rossi": {"rank": {"IT": 1, "BR": 3}},          # BR is not a selected country
        "Garcia": {"rank": {"ES": 1, "FR": 5}},         # in two selected countries: no label
        "Müller": {"rank": {"DE": 1}},
        "Иванов": {"rank": {"CZ": 2}},                  # not Latin script
        "Smith": {"rank": {"GB": 2000}},                # below the top N
        "Novák": {"rank": {"CZ": None, "PL": 3}},
    }
    assert select_surnames(table, top_n=1000) == [("Müller", "DE"), ("Novák", "PL"), ("Rossi", "IT")]


@pytest.mark.slow
def test_names_splits_are_disjoint_and_stratified():
    splits = {split: zoo.load_dataset("names", split) for split in ("train", "validation", "test")}
    assert [len(splits[s]["targets"]) for s in splits] == [26598, 3325, 3325]
    rows = {split: {row.tobytes() for row in data["inputs"]} for split, data in splits.items()}
    assert not rows["train"] & rows["test"] and not rows["train"] & rows["validation"]
    counts = np.bincount(splits["test"]["targets"], minlength=len(COUNTRIES))
    assert counts.min() >= 50
    assert (splits["train"]["inputs"][:, 0] != 0).all(), "no empty surname"
