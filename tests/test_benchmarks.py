"""The measurement tools in benchmarks/ (not installed, run from the repository root)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ci_setup import require_extra
from harness_helpers import save_untrained_run

from benchmarks.compare_xla import main as compare_main, parse_xla_options

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_step_breakdown_times_every_piece(capsys):
    from benchmarks.step_breakdown import main

    main(["--batch-size", "4", "--calls", "1"])
    out = capsys.readouterr().out
    for piece in ("forward_backward", "conv2_weight_gradient", "dropout_mask_pooled_features", "whole_step"):
        assert piece in out
    assert "torch (ms per call" in out or "torch: not installed" in out


@pytest.mark.slow
def test_xla_options_are_compared_in_one_process(tmp_path, capsys):
    code = compare_main(["digits_cnn", "--batch-size", "16", "--steps", "2", "--repeats", "2",
                 "--xla-option", "xla_cpu_use_fusion_emitters=false", "--json", str(tmp_path / "compare.json")])
    out = capsys.readouterr().out
    assert code == 0 and "xla_cpu_use_fusion_emitters=False" in out and "compile:" in out
    report = json.loads((tmp_path / "compare.json").read_text())
    assert report["options"] == {"xla_cpu_use_fusion_emitters": False}
    assert all(len(report["compile_seconds_each"][side]) == 3 for side in ("with", "without"))
    assert report["step_ms"]["with"] > 0 and report["speedup_with_options"] > 0
    # Same arithmetic up to rounding: the two builds train the same network on the same batch.
    assert report["max_parameter_difference"] < 1e-4


@pytest.mark.slow
@pytest.mark.parametrize(
    "option, message",
    [
        ("use_fusion_emitters=false", r"expected NAME=VALUE with an XLA option name \(xla_\.\.\.\), got 'use_fusion_emitters=false'"),
        ("xla_cpu_use_fusion_emitters", r"expected NAME=VALUE .* got 'xla_cpu_use_fusion_emitters'"),
        ("xla_no_such_option=1", r"XLA refused \{'xla_no_such_option': 1\}"),
    ],
)
def test_bad_xla_options_are_named(option, message, capsys):
    assert compare_main(["digits_cnn", "--steps", "1", "--repeats", "1", "--xla-option", option]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_xla_option_values_are_typed():
    assert parse_xla_options(["--xla_a=true", "xla_b=4", "xla_c=0.5", "xla_d=dot,eltwise"]) == {
        "xla_a": True, "xla_b": 4, "xla_c": 0.5, "xla_d": "dot,eltwise",
    }


@pytest.mark.slow
def test_the_readme_snippet_benchmark_runs_the_readme_s_own_step(torch_module, tmp_path):
    from benchmarks.readme_snippet import main as snippet_main, readme_snippet

    assert 'compiler_options="convolutions"' in readme_snippet()
    snippet_main(["--steps", "1", "--repeats", "1", "--torch", "eager", "default", "--json", str(tmp_path / "snippet.json")])
    report = json.loads((tmp_path / "snippet.json").read_text())
    jax_sides = {"readme_snippet", "readme_snippet_without_preset", "entry"}
    assert set(report["ratio_over_torch"]) == {"torch eager", "torch.compile default"}
    assert all(set(ratios) == jax_sides for ratios in report["ratio_over_torch"].values())
    assert set(report["ratio_over_best_torch"]) == jax_sides
    assert set(report["percent_of_peak"]) == jax_sides | {"torch eager", "torch.compile default"}
    assert all(value > 0 for value in [*report["ratio_over_best_torch"].values(), *report["percent_of_peak"].values()])
    assert report["command"].endswith("--torch eager default")


@pytest.mark.slow
@pytest.mark.parametrize("entry, options", [("digits_cnn", ["--compile"]), ("names_tutorial_rnn", [])])
def test_the_pytorch_recipe_scripts_train_evaluate_checkpoint_and_test(entry, options, tmp_path):
    require_extra("torch", "torch")
    # In a process of its own, as `zoo bench --run` runs it: torch.compile leaves global state
    # behind (convolutions' memory formats) that a later test in this process would meet.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.pytorch.{entry}", *options, "--epochs", "2", "--train-examples", "96",
         "--workdir", str(tmp_path / "run"), "--json", str(tmp_path / "results.json")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["epochs"] == 2 and results["steps"] == 2 * (96 // 32) and len(results["history"]) == 2
    assert results["compile_mode"] == ("default" if options else None)
    assert 0 <= results["test"]["accuracy"] <= 1 and results["test"]["count"] > 0
    checkpoints = sorted(path.name for path in (tmp_path / "run").glob("checkpoint_*.pt"))
    assert checkpoints == (["checkpoint_6.pt"] if entry == "digits_cnn" else ["checkpoint_3.pt", "checkpoint_6.pt"])


def test_the_speed_tables_of_the_docs_are_the_reports_as_rendered(tmp_path):
    from benchmarks.measure_speed import ROOT, rewrite_docs

    docs = tmp_path / "performance.md"
    docs.write_text((ROOT / "docs" / "performance.md").read_text())
    assert rewrite_docs(docs, ROOT / "zoo" / "published" / "bench") == ["cpu", "nvidia_h200"]
    assert docs.read_text() == (ROOT / "docs" / "performance.md").read_text()


@pytest.mark.slow
def test_a_step_report_becomes_a_table_row(torch_module, tmp_path):
    from benchmarks.measure_speed import rewrite_docs
    from jax_zoo.bench.timing import bench_entry

    report = bench_entry("digits_cnn", batch_size=16, steps=1, repeats=1, warmup=1, torch_modes=(None,))
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "fashion_simple_cnn_step.json").write_text(json.dumps(report))
    docs = tmp_path / "performance.md"
    docs.write_text("before\n<!-- measure_speed cpu -->\nold\n<!-- /measure_speed -->\nafter\n")
    rewrite_docs(docs, tmp_path)
    text = docs.read_text()
    assert text.startswith("before\n<!-- measure_speed cpu -->\nReports: `zoo/published/bench/cpu/`") and "old" not in text
    (row,) = [line for line in text.splitlines() if line.startswith("| `digits_cnn` train step, batch 16")]
    assert f"`{report['command']}`" in row and f"**{report['jax_over_best_torch']['train_step']:.2f}x**" in row


def run_script(script: str, *args: str) -> str:
    """``PYTHONPATH=$PWD python benchmarks/SCRIPT ARGS``, as their docstrings run them."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
def test_vmap_members_times_every_side_on_the_same_members(tmp_path):
    out = run_script("vmap_members.py", "digits_cnn", "--members", "2", "--epochs", "1", "--repeats", "1",
                     "--json", str(tmp_path / "vmap.json"))
    assert re.search(r"digits_cnn: 2 stacked runs [0-9.]+ s \(\d thread groups\), as one program", out)
    report = json.loads((tmp_path / "vmap.json").read_text())
    grouped, one_program, sequential = (
        report["timings"][side][0] for side in ("members", "members_one_program", "sequential")
    )
    assert report["speedup_wall"] > 0 and grouped["wall_seconds"] > grouped["compile_seconds"] > 0
    assert one_program["thread_groups"] == sequential["thread_groups"] == 1
    # the same two seeds trained every way: the same validation accuracy, run by run
    for side in (grouped, one_program):
        assert side["validation_accuracy"] == pytest.approx(sequential["validation_accuracy"], abs=1 / 180)


@pytest.mark.slow
def test_cores_busy_times_the_whole_batch_and_two_halves_from_two_threads(tmp_path):
    out = run_script("cores_busy.py", "names_tutorial_rnn", "--steps", "3", "--repeats", "1",
                     "--json", str(tmp_path / "cores.json"))
    assert "names_tutorial_rnn: " in out and "cores busy; two half batches from two threads" in out
    (row,) = json.loads((tmp_path / "cores.json").read_text())["rows"]
    assert row["batch_size"] == 32 and row["step_ms"] > 0 and row["two_half_steps_ms"] > 0
    assert 0 < row["cores_busy"] <= os.cpu_count() + 0.5
    # the report's milliseconds are rounded to 0.1: the ratio of the rounded times, within that
    assert row["speedup_of_halves"] == pytest.approx(row["step_ms"] / row["two_half_steps_ms"], rel=0.1)


@pytest.mark.slow
def test_seq2seq_decoding_reports_each_beam_on_a_saved_run(tmp_path):
    workdir = save_untrained_run(tmp_path / "run", "numbers_en_fr", {"hidden_size": 8, "embed_dim": 4})
    out = run_script("seq2seq_decoding.py", str(workdir), "--beams", "1", "2", "--batch-size", "500",
                     "--split", "validation")
    lines = out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["beam 1", "beam 2"]
    assert all(re.search(r"exact match \d+/2000 = [\d.]+%; \d+ sentences/s at batch 500", line) for line in lines)


@pytest.mark.slow
def test_batch_parts_times_the_whole_batch_and_its_parts_on_threads_and_in_one_program(tmp_path):
    out = run_script("batch_parts.py", "names_tutorial_rnn", "--seconds", "0.05", "--repeats", "1",
                     "--json", str(tmp_path / "parts.json"))
    assert re.search(r"names_tutorial_rnn: whole batch [0-9.]+ ms, 2 parts on \d threads [0-9.]+ ms", out)
    report = json.loads((tmp_path / "parts.json").read_text())
    assert report["command"].endswith("names_tutorial_rnn --parts 2 --seconds 0.05 --repeats 1 --json "
                                      + str(tmp_path / "parts.json"))
    (row,) = report["rows"]
    assert row["batch_size"] == 32 and row["parts"] == 2
    assert set(row["step_ms"]) == {"whole", "parts", "parts_in_one_program"} and min(row["step_ms"].values()) > 0
    assert row["parts_over_whole"] == pytest.approx(row["step_ms"]["whole"] / row["step_ms"]["parts"], rel=0.05)
