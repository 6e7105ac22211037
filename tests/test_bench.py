import json

import pytest

from jax_zoo.bench.timing import bench_entry, synthetic_batch
from jax_zoo.cli import main


def test_synthetic_batches_follow_the_dataset_spec():
    batch = synthetic_batch("digits", 16)
    assert batch["inputs"].shape == (16, 8, 8, 1) and batch["inputs"].dtype == "float32"
    assert batch["targets"].dtype == "int32" and 0 <= batch["targets"].min() and batch["targets"].max() < 10


@pytest.mark.slow
def test_bench_reports_speed_flops_and_compile_time(tmp_path, capsys):
    code = main(["bench", "digits_cnn", "--batch-size", "32", "--steps", "3", "--repeats", "2", "--no-torch",
                 "--json", str(tmp_path / "bench.json")])
    out = capsys.readouterr().out
    assert code == 0 and "steps/s" in out and "GFLOP per step" in out
    report = json.loads((tmp_path / "bench.json").read_text())
    assert report["jax"]["steps_per_second"] > 0 and report["compile_seconds"] > 0
    assert report["flops_source"] == "XLA cost analysis" and report["xla_options"] == ""
    # conv1 + conv2 + fc1 + fc2 forward multiply-adds at 8x8, times ~3 for the backward pass
    forward = 2 * 32 * (36 * 9 * 32 + 16 * 9 * 32 * 64 + 256 * 128 + 128 * 10)
    assert 2 * forward < report["flops_per_step"] < 5 * forward
    assert report["jax"]["steps_per_second_min"] <= report["jax"]["steps_per_second"] <= report["jax"]["steps_per_second_max"]


@pytest.mark.slow
def test_bench_times_the_pytorch_twin_when_torch_is_installed(torch_module):
    report = bench_entry("digits_cnn", batch_size=16, steps=2, repeats=1, warmup=1)
    assert report["torch"]["steps_per_second"] > 0 and report["ratio_jax_over_torch"] > 0
