"""bible_en_es: KJV and Reina-Valera 1909 verses paired by slot, checked, split by whole books."""

import pytest

from jax_zoo.core.errors import ZooError
from jax_zoo.datasets import bible_pairs, kjv
from jax_zoo.datasets.bible_pairs import ENGLISH_MODULE, SPANISH_MODULE, pair_verses, verse_text
from jax_zoo.datasets.sword import read_verses

needs_bibles = pytest.mark.usefixtures("bible_modules")  # skipped without them, failed under CI


def verse(text: str, *strong: str) -> str:
    return " ".join(f'<w lemma="strong:{number}">{text}</w>' for number in strong) or text


def test_verses_pair_by_slot_and_empty_or_shifted_ones_are_dropped():
    keys = [("Gen", 1, v) for v in range(1, 6)]
    english = list(zip(keys, [
        verse("In", "H1", "H2"), verse("And", "H3", "H4"), verse("Then", "H5", "H6"),
        verse("So", "H7", "H8"), verse("Lo", "H9"),
    ]))
    spanish = list(zip(keys, [
        verse("EN", "H1", "H2"), "", verse("Luego", "H7", "H8"),  # slot 3 holds verse 4's text
        verse("Así", "H7", "H8"), verse("He aquí", "H9"),
    ]))
    pairs, counts = pair_verses(english, spanish)
    assert [key for key, _, _ in pairs] == [("Gen", 1, 1), ("Gen", 1, 4), ("Gen", 1, 5)]
    assert counts == {"slots": 5, "empty": 1, "mismatched": 1, "pairs": 3}
    assert pairs[0][1:] == ("In In", "EN EN")


def test_modules_of_other_versifications_are_refused():
    with pytest.raises(ValueError, match="one versification"):
        pair_verses([(("Gen", 1, 1), "a")], [(("Gen", 1, 2), "b")])


def test_the_paragraph_sign_is_dropped():
    assert verse_text('¶ And <w lemma="strong:H0430">God</w> said') == "And God said"


def test_a_missing_spanish_module_names_its_package(monkeypatch, tmp_path):
    monkeypatch.setattr(bible_pairs, "SPANISH_MODULE", tmp_path / "spaRV1909eb")
    with pytest.raises(ZooError, match="apt-get install sword-text-kjv sword-text-sparv"):
        bible_pairs.split_pairs("test", tmp_path)
    assert not any(tmp_path.iterdir()), "nothing is prepared"


def test_the_baseline_command_exits_2_without_the_module(monkeypatch, tmp_path, capsys):
    from jax_zoo.baselines.__main__ import main

    monkeypatch.setattr(bible_pairs, "SPANISH_MODULE", tmp_path / "missing")
    output = tmp_path / "out.json"
    with pytest.raises(SystemExit) as exit_info:
        main(["bible_en_es", "--output", str(output)])
    assert exit_info.value.code == 2 and "sword-text-sparv" in capsys.readouterr().err
    assert not output.exists()


@pytest.fixture(scope="module")
def paired(bible_modules):
    return pair_verses(read_verses(ENGLISH_MODULE), read_verses(SPANISH_MODULE))


@pytest.mark.slow
@needs_bibles
def test_both_modules_have_the_kjv_verse_slots_and_30876_pairs_survive(paired):
    pairs, counts = paired
    assert counts == {"slots": 31102, "empty": 18, "mismatched": 208, "pairs": 30876}
    assert pairs[0] == (
        ("Gen", 1, 1),
        "In the beginning God created the heaven and the earth.",
        "EN el principio crió Dios los cielos y la tierra.",
    )
    assert pairs[-1][0] == ("Rev", 22, 21) and pairs[-1][2].startswith("La gracia de nuestro Señor Jesucristo")
    kept = {key for key, _, _ in pairs}
    assert ("Num", 12, 16) not in kept, "empty in the Reina-Valera"
    assert ("Num", 13, 1) not in kept and ("Job", 39, 1) not in kept, "numbered differently there"
    assert ("Num", 14, 1) in kept


@needs_bibles
def test_splits_hold_whole_books(paired):
    pairs, _ = paired
    books = bible_pairs.book_indices(pairs)
    held_out = {split: [book for book, index in books.items() if kjv.split_of_book(index) == split] for split in ("validation", "test")}
    assert held_out == {
        "validation": ["Josh", "Esth", "Hos", "Mal", "Phil", "2Pet"],
        "test": ["1Kgs", "Song", "Mic", "Acts", "2Tim", "Rev"],
    }
    sizes = {split: sum(kjv.split_of_book(books[key[0]]) == split for key, _, _ in pairs) for split in ("train", "validation", "test")}
    assert sizes == bible_pairs.SPLIT_SIZES


@needs_bibles
@pytest.mark.slow
def test_the_prepared_splits_read_back_in_canon_order(data_dir):
    english, spanish = bible_pairs.split_pairs("validation", data_dir)
    assert len(english) == len(spanish) == bible_pairs.SPLIT_SIZES["validation"]
    assert english[0].startswith("Now after the death of Moses") and spanish[0].startswith("Y ACONTECIÓ después de la muerte de Moisés")
