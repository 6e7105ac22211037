import json
import sys

import pytest
from conftest import ROOT

from zoo.bench.timing import bench_entry, synthetic_batch
from zoo.cli import main

sys.path.insert(0, str(ROOT / "benchmarks"))  # the measurement tools, not installed


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


def test_step_breakdown_times_every_piece(capsys):
    from step_breakdown import main

    main(["--batch-size", "4", "--calls", "1"])
    out = capsys.readouterr().out
    for piece in ("forward_backward", "conv2_weight_gradient", "dropout_mask_pooled_features", "whole_step"):
        assert piece in out
    assert "torch (ms per call" in out or "torch: not installed" in out


@pytest.mark.slow
def test_xla_options_are_compared_in_one_process():
    from compare_xla import compare_xla_options

    report = compare_xla_options("digits_cnn", {"xla_cpu_use_fusion_emitters": False}, batch_size=16, steps=2, repeats=2)
    assert report["options"] == {"xla_cpu_use_fusion_emitters": False}
    assert all(len(report["compile_seconds_each"][side]) == 3 for side in ("with", "without"))
    assert report["step_ms"]["with"] > 0 and report["speedup_with_options"] > 0
    # Same arithmetic up to rounding: the two builds train the same network on the same batch.
    assert report["max_parameter_difference"] < 1e-4


@pytest.mark.parametrize(
    "option, message",
    [
        ("use_fusion_emitters=false", r"expected NAME=VALUE with an XLA option name \(xla_\.\.\.\), got 'use_fusion_emitters=false'"),
        ("xla_cpu_use_fusion_emitters", r"expected NAME=VALUE .* got 'xla_cpu_use_fusion_emitters'"),
        ("xla_no_such_option=1", r"XLA refused \{'xla_no_such_option': 1\}"),
    ],
)
def test_bad_xla_options_are_named(option, message):
    from compare_xla import compare_xla_options, parse_xla_options

    from zoo.core.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        compare_xla_options("digits_cnn", parse_xla_options([option]), steps=1, repeats=1, compiles=1)


def test_xla_option_values_are_typed():
    from compare_xla import parse_xla_options

    assert parse_xla_options(["--xla_a=true", "xla_b=4", "xla_c=0.5", "xla_d=dot,eltwise"]) == {
        "xla_a": True, "xla_b": 4, "xla_c": 0.5, "xla_d": "dot,eltwise",
    }
