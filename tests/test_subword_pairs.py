"""Subword text pairs: declared shapes and sizes, tokenizers that travel with a run, decoded test
scores in results.json, and bad input to ``zoo predict``/``zoo translate`` refused with exit 2."""

import dataclasses
import json
import shutil

import numpy as np
import pytest
from num2words import num2words

import jax_zoo as zoo
from jax_zoo.cli import main
from jax_zoo.core import registry as entries
from jax_zoo.core.errors import WorkdirError, ZooError
from jax_zoo.datasets import data_dir, registry, text_pairs
from jax_zoo.datasets.subword_pairs import (
    BIBLE_EN_ES,
    PACKAGE_DOCSTRINGS,
    FunctionSourceTokenizer,
    SubwordPairs,
    prepared_tokenizers,
    register_subword_pairs,
)
from jax_zoo.datasets.subwords import (
    BOS_ID,
    EOS_ID,
    UNKNOWN_ID,
    SubwordTokenizer,
    train_tokenizer,
)
from jax_zoo.datasets.text_pairs import (
    RUN_TOKENIZERS,
    TextPairTokenizers,
    run_tokenizers,
    save_run_tokenizers,
    text_pair_tokenizers,
    trained_tokenizers_dir,
)
from jax_zoo.entries.numbers_en_fr import seq2seq_experiment
from jax_zoo.api.decoded_validation import decoded_validation
from jax_zoo.api.text_outputs import decode_sources, text_report
from jax_zoo.api.translate import translate_with
from jax_zoo.core.experiment import Decoding

needs_bibles = pytest.mark.usefixtures("bible_modules")  # skipped without them, failed under CI
TINY = "tiny_number_summary"
NUMBERS = {"train": range(0, 600, 2), "validation": range(1, 60, 3), "test": range(301, 400, 3)}


def _read_numbers(split, directory):
    return [num2words(n) for n in NUMBERS[split]], [num2words(n, lang="fr") for n in NUMBERS[split]]


TINY_PAIRS = SubwordPairs(
    name=TINY,
    read=_read_numbers,
    tokenizers=TextPairTokenizers(
        source=SubwordTokenizer("source", 40), target=SubwordTokenizer("target", 40), bos_id=BOS_ID, eos_id=EOS_ID,
        source_length=24, target_length=28,
    ),
    cut_train_sources=False,
    split_sizes={split: len(numbers) for split, numbers in NUMBERS.items()},
)


def tiny_number_summary(*, epochs: int = 1, batch_size: int = 100, hidden_size: int = 16, embed_dim: int = 8):
    """English number words -> French ones, summarized: the subword pipeline in seconds."""
    return seq2seq_experiment(
        TINY, learning_rate=1e-2, batch_size=batch_size, epochs=epochs, seed=0, embed_dim=embed_dim,
        hidden_size=hidden_size, cell_type="lstm", attention="multiplicative", dropout_rate=0.0,
        gradient_clip=1.0, task="summarization",
    )


@pytest.fixture(scope="module")
def tiny_entry():
    """``tiny_number_summary``: a subword dataset and entry registered for this module only."""
    register_subword_pairs(TINY_PAIRS, "number words, subwords")
    entries.register(tiny_number_summary)
    yield TINY
    for table in (registry._DATASETS, text_pairs._TOKENIZERS, text_pairs._REFERENCES, entries._ENTRIES):
        table.pop(TINY, None)
    registry._load_checked.cache_clear()


@pytest.fixture(scope="module")
def tiny_run(tiny_entry, tmp_path_factory):
    """A finished run of the tiny entry, prepared in a data directory of its own (``data`` beside
    the workdir): a test deletes its tokenizers there, out of other processes' way."""
    workdir = tmp_path_factory.mktemp("subwords") / "run"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ZOO_DATA_DIR", str(workdir.with_name("data")))
        return workdir, zoo.train_and_evaluate(TINY, workdir, progress=False)


def test_a_subword_tokenizer_round_trips_and_knows_its_unknown_characters(tmp_path):
    train_tokenizer(["the heaven and the earth", "la tierra y los cielos"] * 10, 24, tmp_path / "side")
    tokenizer = SubwordTokenizer("side", 24).bound_to(tmp_path)
    ids = tokenizer.encode("the earth")
    assert ids.dtype == np.int32 and tokenizer.decode(np.concatenate([ids, [EOS_ID, 7, 0]])) == "the earth"
    assert tokenizer.decode([BOS_ID, *ids, 0, 0]) == "the earth"
    assert tokenizer.unknown_characters("the €arth ☃€") == ["€", "☃"] and UNKNOWN_ID in tokenizer.encode("€")
    with pytest.raises(ZooError, match="expected a model of 40 pieces, got 24"):
        SubwordTokenizer("side", 40).bound_to(tmp_path).encode("the")
    with pytest.raises(ZooError, match="the side tokenizer is not bound to a directory"):
        SubwordTokenizer("side", 24).encode("the")


def test_entries_build_from_declared_sizes_without_reading_data(monkeypatch):
    monkeypatch.setattr(SubwordTokenizer, "processor", property(lambda self: pytest.fail("read a model")))
    for entry, pairs in (("docstring_summary", PACKAGE_DOCSTRINGS), ("bible_en_es", BIBLE_EN_ES)):
        experiment = zoo.get(entry)(hidden_size=8, embed_dim=4)
        tokenizers = text_pair_tokenizers(pairs.name)
        assert experiment.model.source_vocab_size == tokenizers.source.size
        assert experiment.model.target_vocab_size == tokenizers.target.size
        info = zoo.dataset_info(pairs.name)
        assert info.example_spec["inputs"].shape == (tokenizers.source_length + tokenizers.target_length,)
        assert info.example_spec["targets"].shape == (tokenizers.target_length,)
    assert zoo.get("docstring_summary")().task == "summarization" and zoo.get("bible_en_es")().task == "translation"


def test_tokenizers_are_trained_once_the_same_way_and_fit_the_split_sizes(tiny_entry, tmp_path):
    first = {split: zoo.load_dataset(TINY, split, tmp_path / "first") for split in NUMBERS}
    again = zoo.load_dataset(TINY, "train", tmp_path / "second")
    folder = trained_tokenizers_dir(TINY, tmp_path / "first")
    assert (folder / "source/subwords.model").read_bytes() == (
        trained_tokenizers_dir(TINY, tmp_path / "second") / "source/subwords.model"
    ).read_bytes()
    np.testing.assert_array_equal(first["train"]["inputs"], again["inputs"])
    assert {split: len(arrays["targets"]) for split, arrays in first.items()} == TINY_PAIRS.split_sizes
    tokenizers = text_pair_tokenizers(TINY, folder)
    row = first["test"]["inputs"][0]
    assert tokenizers.source.decode(row[:24]) == num2words(301)
    assert row[24] == BOS_ID and tokenizers.target.decode(first["test"]["targets"][0]) == num2words(301, lang="fr")


def test_a_shared_vocabulary_is_trained_once_on_both_sides(tmp_path):
    sources = [f"def get_{n}_value(self):\n    return {n}" for n in range(30)]
    targets = [f"Return the value of {n}." for n in range(30)]
    shared = SubwordPairs(
        name="tiny_shared",
        read=lambda split, directory: (sources, targets),
        tokenizers=TextPairTokenizers(
            source=FunctionSourceTokenizer("shared", 36), target=SubwordTokenizer("shared", 36), bos_id=BOS_ID,
            eos_id=EOS_ID, source_length=32, target_length=16,
        ),
        cut_train_sources=True,
        split_sizes={"train": 30},
    )
    tokenizers = prepared_tokenizers(shared, tmp_path)
    folder = trained_tokenizers_dir("tiny_shared", tmp_path)
    assert [path.name for path in folder.iterdir()] == ["shared"]
    assert tokenizers.source.processor is tokenizers.target.processor
    # the source is read after its name's words, which the summaries spell the same way
    assert tokenizers.source.encode(sources[0]).tolist() == tokenizers.target.encode(f"get 0 value\n{sources[0]}").tolist()
    assert set(tokenizers.target.encode("value").tolist()) <= set(tokenizers.source.encode(sources[0]).tolist())


def test_a_run_keeps_its_own_tokenizers(tiny_entry, tmp_path):
    zoo.load_dataset(TINY, "train", tmp_path / "data")
    workdir = tmp_path / "run"
    workdir.mkdir()
    save_run_tokenizers(TINY, tmp_path / "data", workdir)
    save_run_tokenizers(TINY, tmp_path / "data", workdir)  # a resumed run: the same files, kept
    assert run_tokenizers(TINY, workdir).source.encode("seven").tolist()
    (workdir / RUN_TOKENIZERS / "target/subwords.model").write_bytes(b"other")
    with pytest.raises(WorkdirError, match="holds other tokenizers than .*target/subwords.model differ"):
        save_run_tokenizers(TINY, tmp_path / "data", workdir)
    with pytest.raises(ZooError, match="holds no tokenizers: expected .*tokenizers"):
        run_tokenizers(TINY, tmp_path / "data")


@pytest.mark.slow
def test_a_tiny_run_reports_decoded_scores_and_decodes_from_a_copied_workdir(tiny_run, tmp_path, capsys):
    workdir, results = tiny_run
    test = results["test"]
    assert test["count"] == len(NUMBERS["test"]) and {"bleu", "chrf", "rouge_l", "exact_match"} <= set(test)
    assert 0 <= test["bleu"] <= 100 and 0 <= test["chrf"] <= 100 and 0 <= test["rouge_l"] <= 1
    assert test["decoding"].startswith("beam 4") and len(test["samples"]) == 5
    # every epoch's record holds the decoded validation score beside the teacher-forced metrics
    epochs = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    assert epochs and all(0 <= epoch["eval_rouge_l"] <= 1 and "eval_exact_match" in epoch for epoch in epochs)
    assert test["samples"][0]["reference"] == num2words(301, lang="fr")
    shutil.rmtree(trained_tokenizers_dir(TINY, workdir.with_name("data")))
    copied = tmp_path / "copied"
    shutil.copytree(workdir, copied)
    (greedy,) = zoo.translate(copied, ["seven"])
    assert greedy.attention.shape == (len(greedy.output_tokens), len(greedy.source_tokens))
    plot = tmp_path / "map.png"
    assert main(["translate", TINY, "--workdir", str(copied), "seven", "--beam", "2", "--attention", str(plot)]) == 0
    assert plot.read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    assert main(["predict", TINY, "--workdir", str(copied), "seven", "forty-two", "--beam", "3", "--json"]) == 0
    predictions = json.loads(capsys.readouterr().out)
    assert [p["input"] for p in predictions] == ["seven", "forty-two"] and all("output" in p for p in predictions)


@pytest.mark.slow
@pytest.mark.parametrize(
    "text, message",
    [
        ("", "text 1: expected a non-empty text"),
        ("seven ☃", r"'☃' not in the model's source vocabulary; expected characters of its training texts"),
        (" ".join(["seventy-seven"] * 12), "expected at most 24 source tokens, the model's maximum, got"),
    ],
)
def test_bad_texts_exit_2_with_a_clear_message(tiny_run, text, message, capsys):
    workdir, _ = tiny_run
    for command in ("predict", "translate"):
        assert main([command, TINY, "--workdir", str(workdir), text]) == 2
        assert message in capsys.readouterr().err or pytest.fail(command)


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["package_docstrings", "stdlib_docstrings"])
def test_a_docstring_corpus_loads_with_its_declared_shapes_and_sizes(dataset):
    _check_declared(dataset)


@pytest.mark.slow
@needs_bibles
def test_bible_en_es_loads_with_its_declared_shapes_and_sizes():
    _check_declared("bible_en_es")


def _check_declared(dataset):
    info = zoo.dataset_info(dataset)
    tokenizers = text_pair_tokenizers(dataset, trained_tokenizers_dir(dataset, data_dir()))
    for split, size in info.split_sizes.items():
        arrays = zoo.load_dataset(dataset, split)
        assert arrays["inputs"].shape == (size, *info.example_spec["inputs"].shape)
        assert (arrays["targets"] == EOS_ID).sum(axis=1).max() <= 1
    references = text_pairs.text_references(dataset, "test", data_dir())
    assert len(references) == info.split_sizes["test"]
    assert tokenizers.target.decode(zoo.load_dataset(dataset, "test")["targets"][1]) in references[1]


def test_a_run_of_a_dataset_without_tokenizers_copies_none(tmp_path):
    for dataset in ("digits", "numbers_en_fr"):
        save_run_tokenizers(dataset, tmp_path / "data", tmp_path / dataset)
        assert not (tmp_path / dataset / RUN_TOKENIZERS).exists()


def test_shipped_weights_carry_their_tokenizers_and_translate_without_the_data(tiny_run, tmp_path, monkeypatch, capsys):
    from jax_zoo.api import pretrained as pretrained_module
    from jax_zoo.api.export_weights import export

    workdir, _ = tiny_run
    shipped = tmp_path / "weights"
    export(TINY, workdir, shipped, publish=True)
    record = json.loads((shipped / f"{TINY}.weights.json").read_text())
    assert record["tokenizers"]["folder"] == f"{TINY}.tokenizers" and record["tokenizers"]["sha256"]
    monkeypatch.setattr(pretrained_module, "package_weights_directory", lambda: shipped)
    monkeypatch.setenv("ZOO_DATA_DIR", str(tmp_path / "no-data"))  # nothing prepared: the tokenizers are the shipped ones
    expected = [t.output for t in zoo.translate(workdir, ["seven", "forty-two"], beam=2)]
    assert main(["predict", TINY, "--pretrained", "seven", "forty-two", "--beam", "2", "--json"]) == 0
    assert [p["output"] for p in json.loads(capsys.readouterr().out)] == expected
    assert main(["translate", TINY, "--pretrained", "seven", "forty-two", "--beam", "2"]) == 0
    assert capsys.readouterr().out.splitlines() == expected
    assert not (tmp_path / "no-data").exists()
    model = next((shipped / f"{TINY}.tokenizers").rglob("*.model"))
    model.write_bytes(model.read_bytes() + b"x")
    assert main(["predict", TINY, "--pretrained", "seven"]) == 2
    assert "shipped tokenizers of 'tiny_number_summary' are damaged" in capsys.readouterr().err


@pytest.mark.slow
def test_zoo_eval_decode_scores_a_split_as_the_test_report_does(tiny_run, monkeypatch, capsys):
    workdir, results = tiny_run
    monkeypatch.setenv("ZOO_DATA_DIR", str(workdir.with_name("data")))
    assert main(["eval", TINY, "--workdir", str(workdir), "--decode"]) == 0
    out, test = capsys.readouterr().out, results["test"]
    assert f"bleu {test['bleu']:.4g}" in out and f"rouge_l {test['rouge_l']:.4g}" in out, out
    assert main(["eval", TINY, "--workdir", str(workdir), "--split", "validation", "--decode"]) == 0
    assert "rouge_l" in capsys.readouterr().out
    assert main(["eval", TINY, "--pretrained", "--decode"]) == 2
    assert "no --data or --decode" in capsys.readouterr().err


@pytest.mark.slow
def test_an_entrys_decoding_reaches_its_report_its_validation_score_and_translate(tiny_run, monkeypatch):
    workdir, _ = tiny_run
    monkeypatch.setenv("ZOO_DATA_DIR", str(workdir.with_name("data")))
    built = zoo.restore(workdir)
    experiment = dataclasses.replace(built.experiment, decoding=Decoding(beam_size=2, no_repeat_ngram=1))
    report = text_report(experiment, built.state, zoo.load_dataset(TINY, "validation"), workdir, "validation")
    assert report["decoding"].startswith("beam 2, length penalty 0.6, no repeated 1-grams")
    scored = decoded_validation(experiment, workdir, size=8)
    assert scored.decoding == Decoding(beam_size=1, no_repeat_ngram=1)
    tokens = decode_sources(experiment.model, {"params": built.state.params}, scored.sources, decoding=scored.decoding,
                            max_length=12)
    assert all(len(set(row[row != 0].tolist())) == (row != 0).sum() for row in tokens)
    variables = {"params": built.state.params}
    for translation in translate_with(experiment, variables, ["seventy-seven", "one hundred"], beam=3, workdir=workdir):
        assert len(set(translation.output_tokens)) == len(translation.output_tokens), translation.output_tokens


@pytest.mark.slow
def test_the_decoding_benchmark_scores_settings_and_averaged_checkpoints(tiny_run, monkeypatch, capsys):
    from benchmarks.summary_decoding import main as summary_decoding

    workdir, _ = tiny_run
    monkeypatch.setenv("ZOO_DATA_DIR", str(workdir.with_name("data")))
    summary_decoding([str(workdir), "--decodings", "1,0.6,0", "2,0.6,2", "--average-last", "0", "1"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["decoding"] for row in rows] == ["greedy", "beam 2, length penalty 0.6, no repeated 2-grams"] * 2
    assert rows[0]["weights"] == "the run's" and rows[2]["weights"].startswith("mean of steps [")
    assert rows[0]["rouge_l"] == rows[2]["rouge_l"]  # one epoch: its last checkpoint holds the run's weights
