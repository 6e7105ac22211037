"""Shipped weights: each reproduces its published numbers; damaged or ill-fitting ones are refused."""

import hashlib
import json
import math
import shutil
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import safetensors
from flax import serialization
from safetensors.numpy import load as safetensors_load

import jax_zoo as zoo
from harness_helpers import save_untrained_run
from jax_zoo.cli import main
from jax_zoo.api import pretrained as pretrained_module
from jax_zoo.api.export_weights import export
from jax_zoo.api.pretrained import evaluate_pretrained, from_workdir, require_model_variables, shipped_entries, weights_record
from jax_zoo.api.published import published_result
from jax_zoo.api.convert_weights import convert
from jax_zoo.api.weights_format import read_variables
from jax_zoo.api.train import train_and_evaluate

SHIPPED = shipped_entries()
IMAGE_ENTRIES = {"digits_cnn", "fashion_denoise_ae", "fashion_lenet", "fashion_resnet", "fashion_simple_cnn", "fashion_vgg"}


def test_every_published_entry_ships():
    published = {entry for entry in zoo.list_entries() if published_result(entry) is not None}
    assert set(SHIPPED) == published and "names_bilstm" in published


@pytest.mark.parametrize("entry", SHIPPED)
def test_shipped_weights_belong_to_the_published_run(entry):
    record, published = weights_record(entry), published_result(entry)
    weights_path, _ = pretrained_module.weights_files(entry)
    data = weights_path.read_bytes()
    assert record["entry"] == entry and record["results"] == f"{entry}.json"
    assert hashlib.sha256(data).hexdigest() == record["sha256"] and len(data) == record["bytes"]
    assert record["config"] == published["config"] == zoo.default_config(entry)
    assert record["parameters"] == published["parameters"] and record["dataset"] == published["dataset"]
    assert record["test"] == {k: v for k, v in published["test"].items() if isinstance(v, int | float)}


def test_the_shipped_weights_keep_the_wheel_small():
    """Every shipped file together (weights and tokenizers) under 50 MB: a wheel of about 50 MB at most."""
    directory = pretrained_module.package_weights_directory()
    total = sum(path.stat().st_size for path in Path(str(directory)).rglob("*") if path.is_file())
    assert total < 50_000_000, f"{total:,} bytes of shipped weights"


@pytest.mark.slow
@pytest.mark.parametrize("entry", SHIPPED)
def test_pretrained_is_ready_for_apply(entry):
    shipped = zoo.pretrained(entry)
    experiment = zoo.get(entry)(**shipped.config)
    spec = zoo.dataset_info(experiment.dataset).example_spec["inputs"]
    outputs = shipped.model.apply(shipped.variables, jnp.zeros((2, *spec.shape), spec.dtype), train=False)
    assert outputs.shape[0] == 2 and bool(jnp.all(jnp.isfinite(outputs)))
    assert shipped.config == published_result(entry)["config"] and shipped.source.startswith("shipped weights")
    assert type(shipped.model) is type(experiment.final_eval_model or experiment.model)


def test_zoo_list_says_which_weights_ship(capsys):
    assert main(["list", "fashion_*"]) == 0
    rows = {line.split()[1]: line for line in capsys.readouterr().out.splitlines() if "fashion_" in line}
    assert {entry for entry, row in rows.items() if row.rstrip(" │").endswith("shipped")} == {
        entry for entry in SHIPPED if entry.startswith("fashion_")
    }
    assert "fashion_lenet" in rows and "fashion_resnet" in rows


def test_an_entry_without_shipped_weights_names_those_with(capsys):
    with pytest.raises(zoo.ZooError, match=r"'mnist_simple_cnn' has no shipped weights \(entries with shipped weights: .*fashion_lenet"):
        zoo.pretrained("mnist_simple_cnn")
    assert main(["eval", "mnist_simple_cnn", "--pretrained"]) == 2
    assert "no shipped weights" in capsys.readouterr().err


@pytest.fixture
def weights_copy(tmp_path, monkeypatch):
    """The shipped names_tutorial_rnn weights copied to ``tmp_path``, which ``pretrained`` then reads."""
    for path in pretrained_module.weights_files("names_tutorial_rnn"):
        shutil.copy(path, tmp_path / path.name)
    original = pretrained_module.weights_files
    monkeypatch.setattr(pretrained_module, "weights_files", lambda entry, directory=None: original(entry, directory or tmp_path))
    return tmp_path


def test_damaged_weights_are_refused(weights_copy):
    path = weights_copy / "names_tutorial_rnn.safetensors"
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(zoo.ZooError, match="shipped weights of 'names_tutorial_rnn' are damaged: .* has sha256"):
        zoo.pretrained("names_tutorial_rnn")


def test_shipped_weights_are_safetensors_of_flattened_variable_paths():
    for entry in SHIPPED:
        weights_path, _ = pretrained_module.weights_files(entry)
        assert weights_path.name == weights_record(entry)["weights"] == f"{entry}.safetensors"
    weights_path, _ = pretrained_module.weights_files("digits_cnn")
    tensors = safetensors_load(weights_path.read_bytes())
    assert sorted(tensors) == [f"params/{layer}/{name}" for layer in ("conv1", "conv2", "fc1", "fc2") for name in ("bias", "kernel")]
    assert tensors["params/conv1/kernel"].shape == (3, 3, 1, 32) and tensors["params/conv1/kernel"].dtype == np.float32


def _as_msgpack(directory, entry):
    """``entry``'s weights in ``directory`` rewritten as flax msgpack, its record naming them."""
    record_path = directory / f"{entry}.weights.json"
    record = json.loads(record_path.read_text())
    variables = read_variables(record["weights"], (directory / record["weights"]).read_bytes())
    data = serialization.msgpack_serialize(variables)
    (directory / record["weights"]).unlink()
    (directory / f"{entry}.msgpack").write_bytes(data)
    record_path.write_text(json.dumps(record | {"weights": f"{entry}.msgpack", "sha256": hashlib.sha256(data).hexdigest()}))
    return variables


def test_weights_shipped_as_msgpack_still_load(weights_copy):
    variables = _as_msgpack(weights_copy, "names_tutorial_rnn")
    loaded = zoo.pretrained("names_tutorial_rnn")
    assert "names_tutorial_rnn.msgpack" in loaded.source
    assert jax.tree.all(jax.tree.map(np.array_equal, jax.device_get(loaded.variables), variables))


def test_msgpack_weights_convert_to_the_same_variables_in_safetensors(weights_copy):
    variables = _as_msgpack(weights_copy, "names_tutorial_rnn")
    old_digest = json.loads((weights_copy / "names_tutorial_rnn.weights.json").read_text())["sha256"]
    path = convert("names_tutorial_rnn", weights_copy)
    record = json.loads((weights_copy / "names_tutorial_rnn.weights.json").read_text())
    assert record["weights"] == path.name == "names_tutorial_rnn.safetensors"
    assert record["converted_from"] == {"weights": "names_tutorial_rnn.msgpack", "sha256": old_digest}
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest() and record["bytes"] == path.stat().st_size
    assert not (weights_copy / "names_tutorial_rnn.msgpack").exists()
    loaded = zoo.pretrained("names_tutorial_rnn")
    assert jax.tree.all(jax.tree.map(np.array_equal, jax.device_get(loaded.variables), variables))


def test_damaged_msgpack_weights_are_not_converted(weights_copy):
    _as_msgpack(weights_copy, "names_tutorial_rnn")
    path = weights_copy / "names_tutorial_rnn.msgpack"
    path.write_bytes(path.read_bytes()[:-1] + b"\0")
    with pytest.raises(zoo.ZooError, match="names_tutorial_rnn.msgpack has sha256 .*, its record says"):
        convert("names_tutorial_rnn", weights_copy)
    assert not (weights_copy / "names_tutorial_rnn.safetensors").exists()


def test_weights_of_another_model_name_the_entry_and_the_differing_keys(weights_copy):
    record_path = weights_copy / "names_tutorial_rnn.weights.json"
    record = json.loads(record_path.read_text())
    record_path.write_text(json.dumps(record | {"config": record["config"] | {"hidden_size": 64}}))
    with pytest.raises(zoo.ZooError) as error:
        zoo.pretrained("names_tutorial_rnn")
    message = str(error.value)
    assert message.startswith("shipped weights of 'names_tutorial_rnn' do not fit the entry's model (other shape: ")
    assert "params/cell/i2h/kernel float32[254, 128] (model: float32[190, 64])" in message


def test_weights_trained_on_other_data_than_the_entry_reads_here_are_refused(weights_copy):
    record_path = weights_copy / "names_tutorial_rnn.weights.json"
    record_path.write_text(json.dumps(json.loads(record_path.read_text()) | {"dataset": "kjv"}))
    with pytest.raises(zoo.ZooError, match="trained on dataset 'kjv', but here the entry reads 'names'"):
        zoo.pretrained("names_tutorial_rnn")


def test_missing_and_extra_variables_are_named():
    experiment = zoo.get("names_tutorial_rnn")()
    variables = jax.tree.map(np.asarray, zoo.pretrained("names_tutorial_rnn").variables)
    del variables["params"]["cell"]["i2o"]
    variables["batch_stats"] = {"mean": np.zeros(3, np.float32)}
    with pytest.raises(zoo.ZooError) as error:
        require_model_variables("names_tutorial_rnn", experiment, variables, what="these variables")
    message = str(error.value)
    assert "missing: params/cell/i2o/bias, params/cell/i2o/kernel" in message
    assert "not in the model: batch_stats/mean" in message


@pytest.mark.slow
def test_export_writes_what_pretrained_reads_and_refuses_a_run_that_is_not_the_published_one(tmp_path):
    workdir = save_untrained_run(tmp_path / "run", "names_tutorial_rnn")
    results = {"entry": "names_tutorial_rnn", "config": zoo.default_config("names_tutorial_rnn"),
               "test": {"accuracy": 0.5, "count": 3325}, "command": "zoo train names_tutorial_rnn", "parameters": 36210}
    (workdir / "results.json").write_text(json.dumps(results))
    with pytest.raises(zoo.WorkdirError, match="differs from the published names_tutorial_rnn.json in test"):
        export("names_tutorial_rnn", workdir, tmp_path / "published" / "weights")
    assert not (tmp_path / "published").exists()
    path = export("names_tutorial_rnn", workdir, tmp_path / "published" / "weights", publish=True)
    record = json.loads(path.with_name("names_tutorial_rnn.weights.json").read_text())
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest() and record["parameters"] == 36210
    assert json.loads((tmp_path / "published" / "names_tutorial_rnn.json").read_text()) == results
    written = [path, path.with_name("names_tutorial_rnn.weights.json"), tmp_path / "published" / "names_tutorial_rnn.json"]
    assert [file.stat().st_mode & 0o777 for file in written] == [0o644] * 3, "package data every user can read"
    assert path.name == record["weights"] == "names_tutorial_rnn.safetensors"
    restored = read_variables(path.name, path.read_bytes())
    expected = from_workdir(workdir).variables
    assert jax.tree.all(jax.tree.map(lambda a, b: np.array_equal(a, b), restored, jax.device_get(expected)))


def _data_for(entry, request):
    if entry in IMAGE_ENTRIES - {"digits_cnn"}:
        request.getfixturevalue("fashion_mnist_files")
    if entry == "kjv_char_lstm":
        request.getfixturevalue("kjv_module")
    if entry == "bible_en_es":
        request.getfixturevalue("bible_modules")


@pytest.mark.slow
@pytest.mark.parametrize("entry", SHIPPED)
def test_shipped_weights_reproduce_the_published_test_metrics(entry, request):
    _data_for(entry, request)
    results = published_result(entry)
    published = weights_record(entry).get("shipped_test", results["test"])  # weights stored rounded score their own
    metrics = evaluate_pretrained(entry)
    assert metrics["count"] == published["count"]
    for name, value in metrics.items():
        assert math.isclose(value, published[name], rel_tol=1e-6), name
    if results["task"] == "classification":  # a language model's accuracy is per character, not per example
        correct = round(metrics["accuracy"] * metrics["count"])
        assert correct == round(published["accuracy"] * published["count"])
        assert correct / metrics["count"] == published["accuracy"]


@pytest.mark.parametrize("entry", [entry for entry in SHIPPED if "shipped_test" in weights_record(entry)])
def test_weights_stored_rounded_or_cut_score_within_a_hair_of_the_run(entry):
    record = weights_record(entry)
    shipped, run = record["shipped_test"], record["test"]
    assert shipped["count"] == run["count"] and set(shipped) == set(run)
    for name in shipped:
        assert math.isclose(shipped[name], run[name], rel_tol=0.02, abs_tol=0.002), (name, shipped[name], run[name])


@pytest.mark.slow
def test_bfloat16_storage_halves_the_file_and_records_what_the_stored_weights_score(tmp_path, monkeypatch):
    workdir = save_untrained_run(tmp_path / "run", "names_tutorial_rnn")
    results = {"entry": "names_tutorial_rnn", "config": zoo.default_config("names_tutorial_rnn"), "test": {"count": 3325}}
    (workdir / "results.json").write_text(json.dumps(results))
    directory = tmp_path / "published" / "weights"
    full = export("names_tutorial_rnn", workdir, tmp_path / "float32", publish=True)
    path = export("names_tutorial_rnn", workdir, directory, publish=True, storage="bfloat16")
    assert path.stat().st_size < 0.55 * full.stat().st_size
    assert {spec["dtype"] for _, spec in safetensors.deserialize(path.read_bytes())} == {"BF16"}
    record = json.loads(path.with_name("names_tutorial_rnn.weights.json").read_text())
    assert record["storage"] == "bfloat16" and record["test"] == {"count": 3325}

    original = pretrained_module.weights_files
    monkeypatch.setattr(pretrained_module, "weights_files", lambda entry, folder=None: original(entry, folder or directory))
    loaded = zoo.pretrained("names_tutorial_rnn")
    rounded = jax.tree.map(lambda leaf: np.asarray(leaf).astype(jnp.bfloat16).astype(np.float32), from_workdir(workdir).variables)
    assert jax.tree.all(jax.tree.map(np.array_equal, jax.device_get(loaded.variables), rounded))
    assert {leaf.dtype for leaf in jax.tree.leaves(loaded.variables)} == {jnp.dtype("float32")}
    metrics = evaluate_pretrained("names_tutorial_rnn")
    assert metrics and all(record["shipped_test"][name] == value for name, value in metrics.items())


@pytest.mark.slow
def test_zoo_eval_pretrained_prints_the_published_accuracy(capsys):
    published = published_result("names_tutorial_rnn")["test"]
    assert main(["eval", "names_tutorial_rnn", "--pretrained"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("names_tutorial_rnn (shipped weights): test accuracy")
    assert f"accuracy {published['accuracy']:.2%}" in out and "on 3325 examples" in out


@pytest.mark.slow
def test_fine_tuning_starts_from_the_shipped_weights_with_a_fresh_optimizer(tmp_path):
    workdir = tmp_path / "fine_tuned"
    overrides = {"learning_rate": 1e-12}
    done = train_and_evaluate("names_tutorial_rnn", workdir, overrides, init_from="pretrained", stop_at_step=1, progress=False)
    assert done == {"entry": "names_tutorial_rnn", "completed": False, "step": 1}
    saved = json.loads((workdir / "config.json").read_text())
    assert saved["init_from"] == {"source": "pretrained", "sha256": weights_record("names_tutorial_rnn")["sha256"]}
    after_one_step = from_workdir(workdir).variables["params"]
    shipped = zoo.pretrained("names_tutorial_rnn").variables["params"]
    assert jax.tree.all(jax.tree.map(lambda a, b: np.allclose(a, b, atol=1e-9), after_one_step, shipped))
    with pytest.raises(zoo.WorkdirError, match="started from the shipped weights .*, not workdir"):
        train_and_evaluate("names_tutorial_rnn", workdir, overrides, init_from=workdir, progress=False)


@pytest.mark.slow
def test_fine_tuning_from_a_run_of_another_shape_is_refused_before_training(tmp_path):
    other = save_untrained_run(tmp_path / "small", "names_tutorial_rnn", {"hidden_size": 8})
    with pytest.raises(zoo.ZooError, match=r"the variables of workdir .*small \(step 0\) of 'names_tutorial_rnn' do not fit"):
        train_and_evaluate("names_tutorial_rnn", tmp_path / "new", init_from=other, progress=False)
    assert not (tmp_path / "new").exists()


@pytest.mark.slow
def test_the_shipped_translator_translates_a_verse_with_nothing_prepared(tmp_path, monkeypatch, capsys):
    """docs/pretrained.md's promise: `zoo translate bible_en_es --pretrained` on a fresh install."""
    monkeypatch.setenv("ZOO_DATA_DIR", str(tmp_path / "no-data"))
    assert main(["translate", "bible_en_es", "--pretrained", "In the beginning God created the heaven and the earth."]) == 0
    translation = capsys.readouterr().out.strip()
    assert "Dios" in translation and "tierra" in translation, translation
    assert not (tmp_path / "no-data").exists()
