import json

import numpy as np
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
    assert code == 0 and "GFLOP per step" in out and "% of peak" in out
    report = json.loads((tmp_path / "bench.json").read_text())
    (jax_row,) = report["rows"]
    assert jax_row["side"] == "jax" and jax_row["calls_per_second"] > 0 and report["compile_seconds"] > 0
    assert report["flops_source"] == "XLA cost analysis" and report["xla_options"] == ""
    # conv1 + conv2 + fc1 + fc2 forward multiply-adds at 8x8, times ~3 for the backward pass
    forward = 2 * 32 * (36 * 9 * 32 + 16 * 9 * 32 * 64 + 256 * 128 + 128 * 10)
    assert 2 * forward < report["flops_per_step"] < 5 * forward
    assert jax_row["calls_per_second_min"] <= jax_row["calls_per_second"] <= jax_row["calls_per_second_max"]
    assert jax_row["percent_of_peak"] == pytest.approx(100 * jax_row["gflops"] / report["matmul_peak_gflops"])
    assert "--no-torch" in report["command"] and report["jax_over_best_torch"] == {}


@pytest.mark.slow
def test_both_implementations_are_timed_in_the_same_rounds(tmp_path, capsys):
    code = main(["bench", "digits_cnn", "--batch-size", "32", "--steps", "2", "--repeats", "2", "--no-torch",
                 "--implementation", "both", "--json", str(tmp_path / "bench.json")])
    report = json.loads((tmp_path / "bench.json").read_text())
    assert code == 0 and report["implementation"] == "xla_cpu"  # what training runs on a CPU
    jax_row, reference_row = report["rows"]
    assert (jax_row["side"], reference_row["side"]) == ("jax", "jax (reference)")
    assert reference_row["calls_per_second"] > 0 and reference_row["jax_over_this"] > 0
    assert report["jax_over_best_torch"] == {} and "--implementation both" in report["command"]
    assert "jax (reference)" in capsys.readouterr().out


@pytest.mark.slow
def test_bench_times_pytorch_eager_and_compiled_with_compile_times_apart(torch_module, tmp_path, capsys):
    code = main(["bench", "digits_cnn", "--batch-size", "16", "--steps", "2", "--repeats", "1", "--warmup", "1",
                 "--torch", "eager", "default", "--json", str(tmp_path / "bench.json")])
    out = capsys.readouterr().out
    assert code == 0 and "torch.compile default" in out and "jax / the faster PyTorch" in out
    report = json.loads((tmp_path / "bench.json").read_text())
    rows = {row["side"]: row for row in report["rows"]}
    assert set(rows) == {"jax", "torch eager", "torch.compile default"}
    for row in rows.values():
        assert "error" not in row, row.get("error")
        assert row["calls_per_second"] > 0 and row["percent_of_peak"] > 0 and row["first_call_seconds"] > 0
        assert row["flops_per_call"] == report["flops_per_step"]
    assert rows["torch eager"]["threads"] >= 1 and rows["torch eager"]["peak_gflops"] > 0
    assert "compile_seconds" in rows["torch.compile default"] and "compile_seconds" not in rows["torch eager"]
    best = max(rows["torch eager"]["calls_per_second"], rows["torch.compile default"]["calls_per_second"])
    assert report["jax_over_best_torch"]["train_step"] == pytest.approx(rows["jax"]["calls_per_second"] / best)


@pytest.mark.slow
def test_a_seq2seq_is_timed_training_and_decoding_greedily(torch_module):
    report = bench_entry("numbers_en_fr", batch_size=8, steps=1, repeats=1, warmup=1, torch_modes=(None,))
    rows = {(row["measure"], row["side"]): row for row in report["rows"]}
    assert set(rows) == {(measure, side) for measure in ("train_step", "greedy_decode") for side in ("jax", "torch eager")}
    assert report["batch"] == "the first training batch"
    for row in rows.values():
        assert "error" not in row, row.get("error")
        assert row["calls_per_second"] > 0 and row["tokens_per_second"] > 0 and row["percent_of_peak"] > 0
    decoded = rows["greedy_decode", "jax"]
    # The FLOPs of a decoded batch grow with the steps taken; both sides decode the same source.
    assert 1 <= decoded["decoded_steps"] and 0 < decoded["flops_per_call"] < report["flops_per_step"]
    assert set(report["jax_over_best_torch"]) == {"train_step", "greedy_decode"}


@pytest.mark.parametrize("argv, message", [
    (["bench", "digits_cnn", "--epochs", "3"], "--epochs: only with --run"),
    (["bench", "kjv_char_lstm", "--run"], "--run: expected one of digits_cnn, fashion_simple_cnn"),
    (["bench", "digits_cnn", "--run", "--set", "epochs=2"], "--set is not supported with it"),
    (["bench", "digits_cnn", "--run", "--epochs", "31"], "--epochs: expected 1 to the entry's 30, got 31"),
])
def test_bad_bench_options_are_named(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_whole_runs_are_timed_against_the_pytorch_script(torch_module, tmp_path, capsys):
    code = main(["bench", "digits_cnn", "--run", "--epochs", "2", "--repeats", "1", "--torch", "eager",
                 "--json", str(tmp_path / "run.json")])
    out = capsys.readouterr().out
    assert code == 0 and "extrapolated to the published 30" in out
    report = json.loads((tmp_path / "run.json").read_text())
    jax_row, torch_row = report["rows"]
    assert (jax_row["side"], torch_row["side"]) == ("jax", "torch eager") and "error" not in torch_row
    for row in report["rows"]:
        assert len(row["epoch_seconds"]) == 2 and 0 <= row["metric"] <= 1
        assert row["extrapolated_wall_seconds"] == pytest.approx(row["wall_seconds"] + 28 * row["epoch_seconds"][1])
    assert torch_row["jax_over_this"] == pytest.approx(torch_row["wall_seconds"] / jax_row["wall_seconds"])
    assert isinstance(torch_row["within_noise"], bool)
    assert np.isfinite(torch_row["metric_difference"])
    assert report["command"] == "zoo bench digits_cnn --run --epochs 2 --repeats 1 --torch eager"
