"""``zoo translate`` and ``jax_zoo.translate``: a saved seq2seq run's output for new text; clear errors otherwise."""

import json

import numpy as np
import pytest

import jax_zoo as zoo
from jax_zoo.cli import main
from jax_zoo.core.errors import ConfigError, WorkdirError
from jax_zoo.datasets.numbers import TOKENIZERS, split_numbers


@pytest.fixture(scope="module")
def seq2seq_workdir(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("translate") / "numbers"
    overrides = {"epochs": 1, "batch_size": 1024, "hidden_size": 8, "embed_dim": 4}
    results = zoo.train_and_evaluate("numbers_en_fr", workdir, overrides, progress=False)
    assert results["task"] == "translation" and results["test"]["count"] == 2000
    assert 0 <= results["test"]["exact_match"] <= results["test"]["token_accuracy"] <= 1
    return workdir


def test_the_splits_are_disjoint_and_the_pairs_round_trip():
    splits = split_numbers()
    sizes = {name: len(numbers) for name, numbers in splits.items()}
    assert sizes == {"train": 20_000, "validation": 2_000, "test": 2_000}
    assert len(set(np.concatenate(list(splits.values())).tolist())) == 24_000
    data = zoo.load_dataset("numbers_en_fr", "validation")
    row = data["inputs"][0]
    source, decoder_inputs = row[: TOKENIZERS.source_length], row[TOKENIZERS.source_length :]
    assert decoder_inputs[0] == TOKENIZERS.bos_id
    target_without_end = np.where(data["targets"][0] == TOKENIZERS.eos_id, 0, data["targets"][0])
    np.testing.assert_array_equal(decoder_inputs[1:], target_without_end[:-1])  # the target shifted right
    assert TOKENIZERS.target.decode(data["targets"][0]) == TOKENIZERS.target.decode(decoder_inputs)
    assert TOKENIZERS.source.decode(source) and TOKENIZERS.eos_id in data["targets"][0]


@pytest.mark.slow
def test_translate_from_python_and_the_command_line(seq2seq_workdir, tmp_path, capsys):
    built = zoo.restore(seq2seq_workdir)
    greedy = zoo.translate(built, ["forty-two", "seven"])
    again = zoo.translate(seq2seq_workdir, ["forty-two", "seven"], beam=1)
    assert [t.output for t in greedy] == [t.output for t in again]
    (beam,) = zoo.translate(built, ["forty-two"], beam=3, max_length=5)
    assert len(beam.output) <= 5 and beam.attention.shape[1] == len("forty-two")
    np.testing.assert_allclose(beam.attention.sum(axis=1), 1.0, atol=1e-5)
    plot = tmp_path / "attention.png"
    code = main(["translate", "numbers_en_fr", "--workdir", str(seq2seq_workdir), "forty-two", "--beam", "2",
                 "--attention", str(plot)])
    out, _ = capsys.readouterr()
    assert code == 0 and plot.read_bytes()[:4] == b"\x89PNG" and "attention maps" in out


@pytest.mark.parametrize(
    "texts, options, message",
    [
        ([""], {}, "text 1: expected a non-empty text"),
        (["forty-two", " "], {}, "text 2: expected a non-empty text"),
        ([], {}, "expected a list of at least one text"),
        (["forty-two"], {"beam": 0}, "--beam: expected a beam width of at least 1, got 0"),
        (["forty-two"], {"max_length": 0}, "--max-length: expected a positive number of output tokens, got 0"),
    ],
)
def test_bad_requests_are_refused_before_anything_is_read(texts, options, message, tmp_path):
    with pytest.raises(ConfigError, match=message):
        zoo.translate(tmp_path / "nothing", texts, **options)


@pytest.mark.slow
def test_texts_too_long_or_with_unknown_characters_are_refused():
    built = zoo.build("numbers_en_fr", {"hidden_size": 8, "embed_dim": 4})
    with pytest.raises(ConfigError, match=r"text 1 \('Forty-2'\): 'F', '2' not in the model's source vocabulary"):
        zoo.translate(built, ["Forty-2"])
    with pytest.raises(ConfigError, match="text 1: expected at most 56 source tokens, the model's maximum, got 57"):
        zoo.translate(built, ["one" * 19])


def test_a_workdir_of_another_entry_is_refused(tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps({"entry": "digits_cnn", "config": {}}))
    with pytest.raises(WorkdirError, match="was trained for entry 'digits_cnn', not 'numbers_en_fr'"):
        zoo.translate(tmp_path, ["seven"], entry="numbers_en_fr")
    plot = tmp_path / "map.png"
    assert main(["translate", "numbers_en_fr", "--workdir", str(tmp_path), "seven", "--attention", str(plot)]) == 2
    assert "not 'numbers_en_fr'" in capsys.readouterr().err and not plot.exists()
    assert main(["translate", "numbers_en_fr", "--workdir", str(tmp_path), "seven", "--attention", "map.jpg"]) == 2
    assert "expected a .png file name" in capsys.readouterr().err
