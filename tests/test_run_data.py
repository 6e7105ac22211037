"""``zoo train ENTRY --data PATH``: an entry trained, fine-tuned, evaluated and used on one's own files."""

import json
import shutil

import jax
import numpy as np
import pytest
from PIL import Image

import jax_zoo as zoo
from benchmarks.rendered_digits import write_folder
from jax_zoo.cli import main

# Datasets of one's own are registered by name in the process: gone after each test.
pytestmark = pytest.mark.usefixtures("own_registrations")


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def words_folder(tmp_path_factory):
    """Renders of each digit in class folders named ``zero`` ... ``nine``."""
    root = tmp_path_factory.mktemp("own") / "digit_words"
    write_folder(root, per_class=10, seed=4, names="words")
    return root


@pytest.fixture(scope="module")
def fine_tuned(words_folder, tmp_path_factory):
    """A run fine-tuned from the shipped digits_cnn with its body frozen: ``(workdir, printed)``."""
    workdir = tmp_path_factory.mktemp("runs") / "tuned"
    args = ["train", "digits_cnn", "--data", str(words_folder), "--workdir", str(workdir), "--init-from", "pretrained",
            "--freeze", "body", "--set", "epochs=2", "--set", "batch_size=16", "--no-progress"]
    from contextlib import redirect_stdout
    from io import StringIO

    printed = StringIO()
    with redirect_stdout(printed):
        assert main(args) == 0
    return workdir, printed.getvalue()


def test_a_fine_tuned_run_says_what_it_loaded_and_renewed(fine_tuned):
    workdir, printed = fine_tuned
    assert printed.startswith(
        "Started from the shipped weights: 6 variables loaded, 2 new (freshly initialised): params/fc2/bias, "
        "params/fc2/kernel. Training only params/fc2/bias, params/fc2/kernel in every epoch (--freeze body).\n"
    )
    config, results = (json.loads((workdir / name).read_text()) for name in ("config.json", "results.json"))
    for record in (config["init_from"], results["init_from"]):
        assert record["new"] == ["params/fc2/bias", "params/fc2/kernel"] and len(record["loaded"]) == 6
        assert record["freeze"] == {"variables": "body", "epochs": None, "trained": record["new"]}
    assert results["data"]["class_names"][:3] == ["eight", "five", "four"] and results["dataset"] == "digit_words"
    assert "--data" in results["command"] and "--freeze body" in results["command"]


def test_a_frozen_body_keeps_the_shipped_weights(fine_tuned):
    trained = zoo.restore(fine_tuned[0])
    shipped = zoo.pretrained("digits_cnn").variables["params"]
    params = trained.state.params
    for layer in ("conv1", "conv2", "fc1"):
        assert all(np.array_equal(params[layer][name], shipped[layer][name]) for name in ("kernel", "bias"))
    assert params["fc2"]["kernel"].shape[-1] == 10


def test_predict_and_eval_read_the_run_with_its_folder_names(fine_tuned, words_folder, capsys):
    workdir = fine_tuned[0]
    picture = words_folder / "seven" / "3.png"
    code, out, _ = run(["predict", "digits_cnn", "--workdir", str(workdir), str(picture), "--top-k", "10"], capsys)
    names = [part.rsplit(" ", 1)[0] for part in out.split(": ", 1)[1].split(", ")]
    assert code == 0 and sorted(names) == sorted(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
    code, out, _ = run(["eval", "--workdir", str(workdir)], capsys)
    results = json.loads((workdir / "results.json").read_text())
    assert code == 0 and out.startswith(f"digits_cnn ({workdir}): test accuracy {results['test']['accuracy']:.2%}")


def test_moved_files_are_read_from_their_new_place_and_changed_ones_refused(fine_tuned, words_folder, tmp_path, capsys):
    workdir, moved = fine_tuned[0], tmp_path / "moved"
    shutil.copytree(words_folder, moved)
    code, out, _ = run(["eval", "--workdir", str(workdir), "--data", str(moved)], capsys)
    assert code == 0 and "test accuracy" in out
    Image.new("L", (40, 40), 255).save(moved / "one" / "extra.png")
    code, out, err = run(["eval", "--workdir", str(workdir), "--data", str(moved)], capsys)
    assert code == 2 and "holds other images than the run" in err and "1 example(s) new or changed" in err


def test_a_run_from_scratch_on_a_folder_resumes_on_its_recorded_split(words_folder, tmp_path):
    workdir = tmp_path / "scratch"
    options = {"data": words_folder, "split": zoo.SplitRule(validation=0.2, test=0.2, seed=1)}
    partial = zoo.train_and_evaluate("digits_cnn", workdir, {"epochs": 2, "batch_size": 16}, progress=False,
                                     stop_at_step=3, **options)
    assert partial == {"entry": "digits_cnn", "completed": False, "step": 3}
    record = json.loads((workdir / "data.json").read_text())
    assert {split: len(members) for split, members in record["members"].items()} == {"train": 60, "validation": 20, "test": 20}
    results = zoo.train_and_evaluate("digits_cnn", workdir, progress=False)
    assert results["resumed_from_step"] == 3 and results["data"]["split_sizes"]["test"] == 20
    assert "init_from" not in results


@pytest.mark.parametrize("make, message", [
    (lambda root: root.mkdir(), "no class folders; expected one folder per class"),
    (lambda root: write_folder(root, per_class=5) or (root / "3" / "notes.txt").write_text("hi"),
     "1 of 51 files cannot be read as images: 3/notes.txt"),
    (lambda root: write_folder(root, per_class=1), "holds a single file"),
    (lambda root: write_folder(root / "train", per_class=3) or write_folder(root / "test", per_class=1, names="words"),
     "class folder(s) eight, five, four, nine, one, seven, six, three, two, zero are not in"),
])
def test_bad_data_exits_2_before_anything_is_written(tmp_path, capsys, make, message):
    make(tmp_path / "mine")
    workdir = tmp_path / "run"
    code, out, err = run(["train", "digits_cnn", "--data", str(tmp_path / "mine"), "--workdir", str(workdir)], capsys)
    assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not workdir.exists()


@pytest.mark.parametrize("lines, message", [
    (["text\tcountry", "Rossi\tit"], "no label column"),
    (["Rossi\tit", "", "Nowak\tpl"], "line 2: an empty line"),
    (["text\tlabel", "Rossi\tit", "Nowak"], "line 3: 1 field(s); expected 2 (text and label)"),
])
def test_a_bad_table_exits_2_before_anything_is_written(tmp_path, capsys, lines, message):
    (tmp_path / "names.tsv").write_text("\n".join(lines) + "\n")
    code, _, err = run(["train", "names_tutorial_rnn", "--data", str(tmp_path / "names.tsv"), "--workdir", str(tmp_path / "run")], capsys)
    assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


def test_labels_in_test_never_seen_in_train_exit_2(tmp_path, capsys):
    (tmp_path / "names").mkdir()
    (tmp_path / "names" / "train.tsv").write_text("Rossi\tit\nNowak\tpl\n")
    (tmp_path / "names" / "test.tsv").write_text("Jansen\tnl\n")
    code, _, err = run(["train", "names_tutorial_rnn", "--data", str(tmp_path / "names"), "--workdir", str(tmp_path / "run")], capsys)
    assert code == 2 and "label(s) 'nl' never seen in train.tsv" in err and not (tmp_path / "run").exists()


@pytest.mark.parametrize("args, message", [
    (["train", "kjv_char_lstm", "--data", "."], "learns from no files of one's own"),
    (["train", "digits_cnn", "--freeze", "body"], "freezes weights loaded by --init-from"),
    (["train", "digits_cnn", "--test-fraction", "0.2"], "got them without --data"),
    (["train", "names_tutorial_rnn", "--data", "{table}", "--storage", "records"], "is a table of texts"),
])
def test_options_that_do_not_fit_exit_2(tmp_path, capsys, args, message):
    table = tmp_path / "names.tsv"
    table.write_text("".join(f"{name}\t{label}\n" for name in ("Ada", "Bea", "Cid", "Dan", "Eve") for label in ("en", "fr")))
    args = [arg.format(table=table) for arg in args]
    code, _, err = run([*args, "--workdir", str(tmp_path / "run")], capsys)
    assert code == 2 and message in err and not (tmp_path / "run").exists()


def test_labelled_names_train_the_tutorial_rnn_and_predict_names_their_labels(tmp_path, capsys):
    names = {"it": ["Rossi", "Russo", "Ferrari", "Bianchi", "Romano", "Colombo"],
             "pl": ["Nowak", "Kowalski", "Mazur", "Wozniak", "Krawczyk", "Lewandowski"]}
    table = tmp_path / "names.csv"
    table.write_text("label,text\n" + "".join(f"{label},{name}\n" for label, group in names.items() for name in group))
    workdir = tmp_path / "run"
    code, out, _ = run(["train", "names_tutorial_rnn", "--data", str(table), "--workdir", str(workdir),
                        "--set", "epochs=1", "--set", "batch_size=4", "--no-progress"], capsys)
    assert code == 0 and "test accuracy" in out
    code, out, err = run(["predict", "names_tutorial_rnn", "--workdir", str(workdir), "Rossi", "--top-k", "2"], capsys)
    assert code == 0, err
    assert out.startswith("Rossi: ") and {"it", "pl"} == {part.split(" ")[0] for part in out.split(": ")[1].split(", ")}


@pytest.mark.slow
def test_sentence_pairs_train_the_numbers_model_and_translate(tmp_path, capsys):
    from num2words import num2words

    table = tmp_path / "german.tsv"
    table.write_text("source\ttarget\n" + "".join(f"{num2words(n)}\t{num2words(n, lang='de')}\n" for n in range(0, 400, 3)))
    workdir = tmp_path / "run"
    results = zoo.train_and_evaluate("numbers_en_fr", workdir, {"epochs": 1, "batch_size": 16}, data=table, progress=False)
    assert results["dataset"] == "german" and "chrf" in results["test"]
    code, out, _ = run(["predict", "numbers_en_fr", "--workdir", str(workdir), "forty-two"], capsys)
    assert code == 0 and out.strip() != ""
    assert jax.tree.leaves(zoo.restore(workdir).state.params)
