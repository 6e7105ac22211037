"""Splits kept on disk as ArrayRecord files (``jax_zoo.datasets.record_arrays``): read by rows as
numpy arrays are, trained on with the same batches and the same numbers, written whole or not at all."""

import json

import numpy as np
import pytest
from harness_helpers import SPEC, assert_trees_bitwise_equal, digits, fresh_state, metric_history

import jax_zoo as zoo
from benchmarks.rendered_digits import write_folder
from jax_zoo.core.errors import DataError
from jax_zoo.datasets.image_folder import records_folder, register_image_folder, scan_image_folder
from jax_zoo.datasets.own_data import SplitRule
from jax_zoo.datasets.record_arrays import RecordArrays, RecordColumn, write_record_arrays
from jax_zoo.train import accuracy, fit, make_eval_step, make_train_step, softmax_cross_entropy


def written(tmp_path, arrays, name="split") -> RecordArrays:
    rows = ({key: value[i] for key, value in arrays.items()} for i in range(len(arrays["targets"])))
    return write_record_arrays(tmp_path / name, rows)


def test_columns_index_like_the_arrays_they_hold(tmp_path):
    arrays = digits(50)
    records = written(tmp_path, arrays)
    inputs = records["inputs"]
    assert isinstance(inputs, RecordColumn) and inputs.shape == (50, 8, 8, 1) and inputs.dtype == np.float32
    assert len(records["targets"]) == 50 and np.ndim(inputs) == 4
    for key in ([3, 3, 49, 0], np.array([[1, 2], [40, -1]]), slice(5, 20, 3), 7, -2, np.arange(50) % 3 == 0):
        np.testing.assert_array_equal(inputs[key], arrays["inputs"][key])
    np.testing.assert_array_equal(np.asarray(records["targets"]), arrays["targets"])
    with pytest.raises(IndexError, match="out of range"):
        inputs[[50]]
    joined = RecordArrays.joined([records, written(tmp_path, digits(10, offset=50), "more")])
    np.testing.assert_array_equal(np.asarray(joined["targets"]), digits(60)["targets"])


def test_batches_read_ahead_arrive_in_the_order_asked(tmp_path):
    arrays = digits(64)
    records = written(tmp_path, arrays)
    order = [np.random.default_rng(i).permutation(64)[:16] for i in range(9)]
    for indices, batch in zip(order, records.read_ahead(order), strict=True):
        np.testing.assert_array_equal(batch["inputs"], arrays["inputs"][indices])
        np.testing.assert_array_equal(batch["targets"], arrays["targets"][indices])


def test_an_interrupted_or_mismatched_write_leaves_nothing(tmp_path):
    def failing_rows():
        yield {"inputs": np.zeros((8, 8, 1), np.float32), "targets": np.int32(0)}
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        write_record_arrays(tmp_path / "split", failing_rows())
    rows = [{"inputs": np.zeros((8, 8, 1), np.float32)}, {"inputs": np.zeros((8, 9, 1), np.float32)}]
    with pytest.raises(ValueError, match=r"row 1: inputs is float32\[8, 9, 1\]; expected float32\[8, 8, 1\]"):
        write_record_arrays(tmp_path / "split", iter(rows))
    assert list(tmp_path.iterdir()) == []


def test_training_on_records_matches_training_in_memory_resumed_midway_too(tmp_path):
    steps = {
        "train_step": make_train_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC),
        "eval_step": make_eval_step(softmax_cross_entropy, {"accuracy": accuracy}, example_spec=SPEC),
    }
    train, evaluation = digits(200), digits(70, offset=200)
    common = {"batch_size": 32, "eval_batch_size": 32, "epochs": 2, "seed": 3, "progress": False, **steps}
    in_memory = fit(fresh_state(), train_data=train, eval_data=evaluation, **common)
    streamed = {"train_data": written(tmp_path, train, "train"), "eval_data": written(tmp_path, evaluation, "eval")}
    stopped = fit(fresh_state(), **streamed, workdir=tmp_path / "run", stop_at_step=8, **common)
    assert not stopped.completed
    resumed = fit(fresh_state(), **streamed, workdir=tmp_path / "run", **common)
    assert resumed.resumed_from_step == 8
    assert_trees_bitwise_equal(resumed.state.params, in_memory.state.params)
    assert metric_history(resumed.history) == metric_history(in_memory.history)


@pytest.mark.usefixtures("own_registrations")
def test_an_image_folder_is_prepared_once_as_records_and_read_as_in_memory(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_DATA_DIR", str(tmp_path / "data"))
    write_folder(tmp_path / "digits", per_class=4, seed=2)
    record = scan_image_folder(tmp_path / "digits", SplitRule(validation=0.25, test=0.25), like="digits")
    in_memory = zoo.load_dataset(register_image_folder(record, storage="memory").name, "train")
    on_disk = zoo.load_dataset(register_image_folder(record, storage="records").name, "train")
    assert isinstance(on_disk, RecordArrays) and not isinstance(in_memory, RecordArrays)
    for key in ("inputs", "targets"):
        np.testing.assert_array_equal(np.asarray(on_disk[key]), in_memory[key])
    folder = records_folder(record)
    spec = json.loads((folder / "train" / "columns.json").read_text())
    assert spec["count"] == 20 and spec["columns"]["inputs"]["shape"] == [8, 8, 1]
    written_at = (folder / "train" / "inputs.array_record").stat().st_mtime_ns
    register_image_folder(record, storage="records")
    assert (folder / "train" / "inputs.array_record").stat().st_mtime_ns == written_at


@pytest.mark.usefixtures("own_registrations")
def test_an_unreadable_picture_leaves_no_records(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_DATA_DIR", str(tmp_path / "data"))
    write_folder(tmp_path / "digits", per_class=4, seed=2)
    record = scan_image_folder(tmp_path / "digits", SplitRule(validation=0.25, test=0.25), like="digits")
    (tmp_path / "digits" / "7" / "extra.png").write_bytes(b"not a picture")
    spoiled = scan_image_folder(tmp_path / "digits", SplitRule(validation=0.25, test=0.25), like="digits")
    with pytest.raises(DataError, match=r"1 of 41 files cannot be read as images: 7/extra.png .*40 are readable"):
        register_image_folder(spoiled, storage="records")
    assert not records_folder(spoiled).exists()
    assert not records_folder(record).exists()


@pytest.mark.slow
@pytest.mark.usefixtures("own_registrations")
def test_a_streamed_run_killed_mid_training_resumes_to_the_in_memory_result(tmp_path):
    from tiny_zoo import KillPoint, Launcher

    from jax_zoo.train import load_final_state

    write_folder(tmp_path / "digits", per_class=4, seed=2)
    launcher = Launcher(tmp_path / "logs", {"ZOO_DATA_DIR": str(tmp_path / "data")})
    (tmp_path / "logs").mkdir()

    def train(workdir, storage, kill=None):
        return launcher.run([
            "train", "digits_cnn", "--data", str(tmp_path / "digits"), "--workdir", str(tmp_path / workdir),
            "--storage", storage, "--validation-fraction", "0.25", "--test-fraction", "0.25",
            "--set", "epochs=7", "--set", "batch_size=8", "--no-progress",
        ], kill)

    try:
        status, output = train("golden", "memory")
        assert status == 0, output
        status, output = train("killed", "records", KillPoint("save", 2))  # at step 14's save, step 10's done
        assert status == -9, output
        status, output = train("killed", "records")
        assert status == 0, output
    finally:
        launcher.close()
    golden, resumed = (json.loads((tmp_path / run / "results.json").read_text()) for run in ("golden", "killed"))
    assert resumed["resumed_from_step"] in (10, 14) and resumed["test"] == golden["test"]
    target = zoo.build("digits_cnn").state
    assert_trees_bitwise_equal(
        load_final_state(tmp_path / "killed", target)[0].params, load_final_state(tmp_path / "golden", target)[0].params,
    )
