"""``zoo predict``: pictures and surnames of one's own through shipped weights or a workdir."""

import json

import numpy as np
import pytest
from PIL import Image

from harness_helpers import save_untrained_run
from jax_zoo.cli import main
from jax_zoo.datasets.fashion_mnist import CLASS_NAMES
from jax_zoo.api.generate import generate
from jax_zoo.api.predict import load, predict


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_predict_ranks_the_fashion_classes(shoe_photo):
    predictions = predict(load("fashion_lenet"), [str(shoe_photo)], top_k=4)
    (prediction,) = predictions
    names = [name for name, _ in prediction.classes]
    probabilities = [probability for _, probability in prediction.classes]
    assert len(names) == 4 and set(names) <= set(CLASS_NAMES)
    assert probabilities == sorted(probabilities, reverse=True) and 0 < sum(probabilities) <= 1 + 1e-6
    assert prediction.notes and prediction.input == str(shoe_photo)


def test_zoo_predict_json_for_scripts(shoe_photo, capsys):
    code, out, err = run(["predict", "fashion_lenet", "--pretrained", str(shoe_photo), "--json"], capsys)
    assert code == 0 and err == ""
    (record,) = json.loads(out)
    assert record["input"] == str(shoe_photo) and len(record["classes"]) == 3
    assert any(note.startswith("inverted") for note in record["notes"])


def test_zoo_predict_names_the_countries(capsys):
    code, out, _ = run(["predict", "names_tutorial_rnn", "--pretrained", "Kowalski", "Müller", "--top-k", "2"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Kowalski: PL Poland ") and lines[1].startswith("Müller: DE Germany ")
    assert all(line.count("%") == 2 for line in lines)


@pytest.mark.parametrize("surname, message", [
    ("", "surname '': expected at least one letter, got an empty surname"),
    ("O'Brien#", "surname \"O'Brien#\": \"'\", '#' not in the names vocabulary"),
    ("A" * 21, "expected at most 20 characters, got 21"),
])
def test_bad_surnames_exit_2_naming_the_problem(surname, message, capsys):
    code, out, err = run(["predict", "names_tutorial_rnn", "--pretrained", "Smith", surname], capsys)
    assert code == 2 and out == "" and message in err and "Traceback" not in err


def test_an_entry_without_shipped_weights_exits_2(capsys):
    code, out, err = run(["predict", "mnist_simple_cnn", "--pretrained", "digit.png"], capsys)
    assert code == 2 and out == "" and "'mnist_simple_cnn' has no shipped weights" in err


@pytest.mark.slow
def test_the_denoiser_writes_the_cleaned_image_and_nothing_on_bad_input(shoe_photo, tmp_path, capsys):
    workdir = save_untrained_run(tmp_path / "run", "fashion_denoise_ae")
    output = tmp_path / "out"
    output.mkdir()
    (tmp_path / "broken.png").write_text("no image")
    source = ["predict", "fashion_denoise_ae", "--workdir", str(workdir)]
    code, _, err = run([*source, str(shoe_photo), str(tmp_path / "broken.png"), "--output-dir", str(output)], capsys)
    assert code == 2 and "broken.png: not an image" in err and list(output.iterdir()) == []
    code, out, _ = run([*source, str(shoe_photo), "--output-dir", str(output)], capsys)
    written = output / "shoe.denoised.png"
    assert code == 0 and out == f"{shoe_photo}: denoised into {written}\n"
    with Image.open(written) as cleaned:
        assert cleaned.size == (28, 28) and cleaned.mode == "L"


@pytest.mark.slow
def test_a_workdir_serves_as_well_as_shipped_weights(tmp_path, capsys):
    workdir = save_untrained_run(tmp_path / "run", "digits_cnn")
    Image.fromarray(np.eye(8, dtype=np.uint8) * 255).save(tmp_path / "stroke.png")
    code, out, _ = run(["predict", "digits_cnn", "--workdir", str(workdir), str(tmp_path / "stroke.png"), "--top-k", "10"], capsys)
    assert code == 0 and out.startswith(f"{tmp_path / 'stroke.png'}: ") and out.count("%") == 10


@pytest.mark.slow
def test_a_language_model_continues_each_prompt_as_zoo_generate_does(tmp_path):
    workdir = save_untrained_run(tmp_path / "lm", "kjv_char_lstm", {"hidden_size": 8, "embed_dim": 4})
    predictions = predict(load("kjv_char_lstm", workdir), ["In the beginning", "And"], length=20, seed=3)
    assert [p.input for p in predictions] == ["In the beginning", "And"]
    assert predictions[0].text == generate(workdir, "In the beginning", length=20, seed=3).continuation
    assert all(len(p.text) == 20 for p in predictions)


@pytest.mark.slow
def test_zoo_predict_samples_with_the_length_temperature_and_seed_asked(tmp_path, capsys):
    workdir = save_untrained_run(tmp_path / "lm", "kjv_char_lstm", {"hidden_size": 8, "embed_dim": 4})
    prompts = ["And", "In the beginning"]

    def zoo_predict(temperature: str, seed: str) -> str:
        args = ["predict", "kjv_char_lstm", "--workdir", str(workdir), *prompts, "--length", "12",
                "--temperature", temperature, "--seed", seed]
        code, out, err = run(args, capsys)
        assert code == 0, err
        return out

    asked = zoo_predict("0.7", "5")
    continuations = [generate(workdir, prompt, length=12, temperature=0.7, seed=5).continuation for prompt in prompts]
    assert all(len(continuation) == 12 for continuation in continuations)
    assert asked == "".join(f"{prompt}{continuation}\n" for prompt, continuation in zip(prompts, continuations))
    assert zoo_predict("0.7", "5") == asked, "the same arguments, the same text"
    assert zoo_predict("0.7", "6") != asked and zoo_predict("0.05", "5") != asked
    code, out, err = run(["predict", "kjv_char_lstm", "--workdir", str(workdir), "And", "--temperature", "0"], capsys)
    assert code == 2 and out == "" and "--temperature: expected a finite value > 0, got 0.0" in err
