"""Tables of one's own texts: read with checks, split, tokenized by what the train split holds."""

import numpy as np
import pytest

import jax_zoo as zoo
from jax_zoo.datasets.char_vocabulary import CharVocabulary
from jax_zoo.datasets.numbers import TOKENIZERS as NUMBER_TOKENIZERS
from jax_zoo.datasets.own_data import SplitRule
from jax_zoo.datasets.subword_pairs import BIBLE_EN_ES
from jax_zoo.datasets.text_files import (
    class_text_ids, register_text_classes, register_text_pairs, scan_text_classes, scan_text_pairs,
)
from jax_zoo.datasets.text_pairs import run_tokenizers, text_references
from jax_zoo.datasets.text_tables import read_table

# Datasets of one's own are registered by name in the process: gone after each test.
pytestmark = pytest.mark.usefixtures("own_registrations")

SURNAMES = {"it": ["Rossi", "Russo", "Ferrari", "Bianchi", "Romano"], "pl": ["Nowak", "Kowalski", "Mazur", "Wozniak", "Krawczyk"]}


def write(path, lines: list[str]):
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


@pytest.fixture
def surnames(tmp_path):
    return write(tmp_path / "surnames.tsv", [f"{name}\t{label}" for label, names in SURNAMES.items() for name in names])


def test_a_header_is_optional_and_names_the_columns_in_any_order(tmp_path):
    plain, digest = read_table(write(tmp_path / "a.tsv", ["Rossi\tit", "Nowak\tpl"]), ("text", "label"))
    named, _ = read_table(write(tmp_path / "b.csv", ["id,Label,Text", '1,it,"Rossi, Jr"', "2,pl,Nowak"]), ("text", "label"))
    assert [(row.first, row.second, row.line) for row in plain] == [("Rossi", "it", 1), ("Nowak", "pl", 2)]
    assert [(row.first, row.second, row.line) for row in named] == [("Rossi, Jr", "it", 2), ("Nowak", "pl", 3)]
    assert len(digest) == 16


@pytest.mark.parametrize("lines, message", [
    (["text\tcountry", "Rossi\tit"], r"line 1: the header names text, country but no label column"),
    (["Rossi\tit", "", "Nowak\tpl"], r"line 2: an empty line; expected text<TAB>label"),
    (["Rossi\tit", "Nowak"], r"line 2: 1 field\(s\); expected 2 \(text and label\) separated by a tab"),
    (["Rossi\tit", "Nowak\t"], r"line 2: an empty label"),
    (["text\tlabel"], r"no rows; expected lines of text and label"),
])
def test_malformed_tables_are_refused_naming_the_line(tmp_path, lines, message):
    with pytest.raises(zoo.DataError, match=message):
        read_table(write(tmp_path / "bad.tsv", lines), ("text", "label"))


def test_labelled_texts_become_character_ids_of_the_train_split(surnames):
    record = scan_text_classes(surnames, SplitRule(validation=0.0, test=0.2, seed=0))
    info = register_text_classes(record)
    assert info.class_names == ("it", "pl") and info.split_sizes == {"train": 8, "test": 2}
    train = zoo.load_dataset(info.name, "train")
    characters = record.details["characters"]
    assert set(characters) == {c for row in train["inputs"] for c in CharVocabulary(characters).decode(row)}
    assert train["inputs"].shape == (8, record.details["length"]) and record.details["length"] <= 8
    ids = class_text_ids(info.name, ["Rossi"])
    assert CharVocabulary(characters).decode(ids[0]) == "Rossi"
    with pytest.raises(zoo.ZooError, match=r"'Müller': 'ü'.* never seen in the training texts"):
        class_text_ids(info.name, ["Müller"])


def test_a_given_vocabulary_is_kept(surnames):
    vocabulary = CharVocabulary("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    record = scan_text_classes(surnames, SplitRule(), vocabulary=vocabulary)
    assert record.details["characters"] == vocabulary.symbols and record.details["vocabulary"] == "given"


def test_a_label_seen_only_in_test_is_refused(tmp_path):
    write(tmp_path / "train.tsv", ["Rossi\tit", "Nowak\tpl"])
    write(tmp_path / "test.tsv", ["Jansen\tnl"])
    with pytest.raises(zoo.DataError, match=r"test.tsv: label\(s\) 'nl' never seen in train.tsv"):
        scan_text_classes(tmp_path, SplitRule())


def test_a_label_on_a_single_line_is_refused(tmp_path):
    with pytest.raises(zoo.DataError, match=r"label 'nl' on a single line"):
        scan_text_classes(write(tmp_path / "few.tsv", ["Rossi\tit", "Russo\tit", "Jansen\tnl"]), SplitRule())


def test_a_changed_table_is_named_when_read_again(surnames):
    record = scan_text_classes(surnames, SplitRule())
    surnames.write_text(surnames.read_text() + "Conti\tit\n")
    with pytest.raises(zoo.DataError, match="surnames.tsv: changed since the run read it"):
        register_text_classes(record)


@pytest.fixture
def number_pairs(tmp_path):
    from num2words import num2words

    return write(tmp_path / "numbers.tsv", ["source\ttarget"] + [f"{num2words(n)}\t{num2words(n, lang='de')}" for n in range(40)])


def test_pairs_get_character_vocabularies_of_the_train_split(number_pairs, tmp_path):
    record = scan_text_pairs(number_pairs, SplitRule(), like=NUMBER_TOKENIZERS, tokenizers_dir=tmp_path / "unused")
    info = register_text_pairs(record, tmp_path / "unused")
    assert info.split_sizes == {"train": 32, "validation": 4, "test": 4}
    tokenizers = run_tokenizers(info.name, tmp_path)
    test = zoo.load_dataset(info.name, "test")
    assert [tokenizers.target.decode(row) for row in test["targets"]] == text_references(info.name, "test", tmp_path)
    assert "ü" in tokenizers.target.symbols and not (tmp_path / "unused").exists()


def test_pairs_of_a_subword_entry_get_subword_models_trained_on_train(number_pairs, tmp_path):
    record = scan_text_pairs(number_pairs, SplitRule(), like=BIBLE_EN_ES.tokenizers, tokenizers_dir=tmp_path / "tokenizers")
    spec = record.details["tokenizers"]
    assert spec["kind"] == "subwords" and 4 < spec["source"]["size"] < 4000, "as many pieces as the texts hold"
    assert sorted(path.name for path in (tmp_path / "tokenizers").iterdir()) == ["source", "target"]
    info = register_text_pairs(record, tmp_path / "tokenizers")
    tokenizers = run_tokenizers(info.name, tmp_path)
    train = zoo.load_dataset(info.name, "train")
    assert train["inputs"].shape[1] == tokenizers.source_length + tokenizers.target_length
    assert np.all(train["targets"][:, 0] > 3), "targets start with a subword, not a marker"
