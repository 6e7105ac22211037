import json
import struct

import pytest
from ci_setup import require_extra

from jax_zoo.cli import main
from jax_zoo.api.tensorboard import scalars

event_pb2 = require_extra("tensorboard", "tensorboardX.proto.event_pb2")


def read_events(path):
    """The Event protos of a TensorBoard event file (TFRecord framing: length, its CRC, the
    record, its CRC), read without TensorFlow."""
    data, events, offset = path.read_bytes(), [], 0
    while offset < len(data):
        (length,) = struct.unpack("<Q", data[offset:offset + 8])
        events.append(event_pb2.Event.FromString(data[offset + 12:offset + 12 + length]))
        offset += 12 + length + 4
    return events


def test_record_keys_become_metric_sections():
    record = {"epoch": 1, "step": 44, "train_loss": 0.5, "eval_loss": 0.6, "eval_accuracy": 0.9, "epoch_seconds": 2.0}
    assert scalars(record) == {
        "loss/train": 0.5, "loss/validation": 0.6, "accuracy/validation": 0.9, "time/epoch_seconds": 2.0,
    }


@pytest.mark.slow
def test_zoo_train_tensorboard_writes_each_epoch_beside_the_metrics(tmp_path, capsys):
    workdir = tmp_path / "digits"
    assert main(["train", "--workdir", str(workdir), "--set", "epochs=2", "--no-progress", "--tensorboard"]) == 0
    (event_file,) = workdir.glob("events.out.tfevents.*")
    values = {
        (value.tag, event.step): value.simple_value
        for event in read_events(event_file) for value in event.summary.value
    }
    for line in (workdir / "metrics.jsonl").read_text().splitlines():
        record = json.loads(line)
        assert values[("loss/train", record["step"])] == pytest.approx(record["train_loss"])
        assert values[("accuracy/validation", record["step"])] == pytest.approx(record["eval_accuracy"])
    assert {step for _, step in values} == {39, 78}  # 1,257 digits in batches of 32


@pytest.mark.slow
def test_without_the_option_no_events_are_written(tmp_path, capsys):
    workdir = tmp_path / "digits"
    assert main(["train", "--workdir", str(workdir), "--set", "epochs=1", "--no-progress"]) == 0
    assert not list(workdir.glob("events.out.tfevents.*"))
