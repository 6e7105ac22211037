"""The text datasets: KJV windows split by book, surnames split by name, the stdlib fallback."""

import numpy as np
import pytest

import jax_zoo as zoo
from jax_zoo.datasets.kjv import SWORD_MODULE, VOCABULARY, split_of_book
from jax_zoo.datasets.names import COUNTRIES, select_surnames, surnames_beyond_lists
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


@pytest.mark.slow
def test_python_source_loads_as_the_kjv_s_windows_split_by_module_and_the_entry_evaluates_on_it():
    """The corpus ``zoo train kjv_char_lstm`` is told to use without sword-text-kjv."""
    from jax_zoo.api.restore import evaluate_trained
    from jax_zoo.datasets import python_source

    modules = python_source.stdlib_modules()
    for split, size in python_source.SPLIT_SIZES.items():
        windows = zoo.load_dataset("python_source", split)
        assert windows["inputs"].shape == windows["targets"].shape == (size, 128)
        assert windows["inputs"].dtype == np.int32 and windows["inputs"].max() < python_source.VOCABULARY.size
        np.testing.assert_array_equal(windows["inputs"][:, 1:], windows["targets"][:, :-1])
        np.testing.assert_array_equal(windows["inputs"][1:, 0], windows["targets"][:-1, -1])
        first = next(path for index, path in enumerate(modules) if split_of_book(index) == split)
        expected = python_source.VOCABULARY.encode(first.read_text("utf-8", errors="replace")[:128])
        np.testing.assert_array_equal(windows["inputs"][0], expected, err_msg=f"{split} starts with {first}")
    built = zoo.build("kjv_char_lstm", {"corpus": "python_source", "hidden_size": 8, "embed_dim": 4})
    metrics = evaluate_trained(built, "validation")
    untrained = np.log2(python_source.VOCABULARY.size)  # about uniform over the vocabulary
    assert metrics["count"] == 1465 and 0.8 * untrained < metrics["bits_per_character"] < 1.2 * untrained, metrics


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


def test_surnames_beyond_the_lists_are_none_of_the_datasets_and_follow_its_rule():
    table = {
        "Rossi": {"rank": {"IT": 1}},                    # in the lists
        "Bianchi": {"rank": {"IT": 1500, "FR": 10}},     # beyond for IT, but listed for FR
        "Smith": {"rank": {"GB": 1500, "AT": 5}},        # beyond in GB only (AT is not a selected country)
        "Garcia": {"rank": {"ES": 1200, "PT": 1900}},    # beyond in two countries: no label
        "Virtanen": {"rank": {"FI": 2500}},              # past the last rank read
        "Ödön-Aaltonen-Virtanen": {"rank": {"FI": 1100}},  # longer than a name may be
    }
    assert surnames_beyond_lists(table, top_n=1000, last_rank=2000) == [("Smith", "GB")]
    assert select_surnames(table, top_n=1000) == [("Bianchi", "FR"), ("Rossi", "IT")]


@pytest.mark.slow
def test_the_surnames_beyond_the_lists_are_11894_none_of_them_in_the_dataset():
    from jax_zoo.datasets.names import load_last_names

    last_names = load_last_names()
    beyond, listed = surnames_beyond_lists(last_names), select_surnames(last_names)
    assert len(beyond) == 11894 and not {name for name, _ in beyond} & {name for name, _ in listed}
    assert {country for _, country in beyond} == set(COUNTRIES)


@pytest.mark.slow
def test_names_splits_are_disjoint_and_stratified():
    splits = {split: zoo.load_dataset("names", split) for split in ("train", "validation", "test")}
    assert [len(splits[s]["targets"]) for s in splits] == [26598, 3325, 3325]
    rows = {split: {row.tobytes() for row in data["inputs"]} for split, data in splits.items()}
    assert not rows["train"] & rows["test"] and not rows["train"] & rows["validation"]
    counts = np.bincount(splits["test"]["targets"], minlength=len(COUNTRIES))
    assert counts.min() >= 50
    assert (splits["train"]["inputs"][:, 0] != 0).all(), "no empty surname"
