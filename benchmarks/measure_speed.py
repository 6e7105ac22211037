"""Every speed report of docs/performance.md, measured in one sitting, and the tables rewritten from them.

    python -m benchmarks.measure_speed [--only NAME ...] [--out zoo/published/bench] [--docs docs/performance.md]
    python -m benchmarks.measure_speed --smoke --out /tmp/bench --docs /tmp/performance.md

Run it from the repository root on a quiet machine (nothing else running: the numbers are
wall-clock times), with the ``torch`` extra installed. Each measurement is a command of its own,
in a fresh process, as a user would type it; its report (with that command) goes to
``OUT/BACKEND/NAME.json``, where BACKEND is ``cpu`` or the GPU's name. Then the tables between
the ``measure_speed`` markers of ``--docs`` are rewritten from every report under ``OUT``.

CPU measurements (always):

- train steps against PyTorch eager and ``torch.compile``: ``fashion_simple_cnn``,
  ``fashion_resnet`` (ResNet with BatchNorm), ``names_bilstm`` (bidirectional LSTM classifier),
  ``kjv_char_lstm`` (the char LM), ``numbers_en_fr`` (Seq2Seq: teacher-forced step and greedy
  decoding), and the README's pure-function script (``benchmarks/readme_snippet.py``);
- whole runs (``zoo bench ENTRY --run``) against ``benchmarks/pytorch/``: ``digits_cnn`` and
  ``numbers_en_fr`` in full, ``fashion_simple_cnn`` and ``names_tutorial_rnn`` for a few epochs
  with the wall time extrapolated to the entry's.

GPU measurements (only where JAX sees a GPU; nothing otherwise): the CNN, ResNet, LSTM and
Seq2Seq steps against eager PyTorch and ``torch.compile`` in its default,
``max-autotune-no-cudagraphs`` and ``reduce-overhead`` modes; ``fashion_simple_cnn``'s whole run
against its PyTorch script; ``zoo train kjv_char_lstm`` end to end (time and result reached).

Duration: about 75 minutes on a quiet 2-core CPU, four fifths of it the whole runs (each runs
once per side and repeat; ``numbers_en_fr``'s eager and compiled PyTorch runs are the longest);
``--smoke`` (one round of one step, one epoch, one repeat) about 40 minutes, nearly all of it the
whole runs' single epochs; the GPU section adds about 30 minutes on a GPU, most of it
``kjv_char_lstm``'s training.
"""

import argparse
import dataclasses
import json
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GPU_MODES = ["eager", "default", "max-autotune-no-cudagraphs", "reduce-overhead"]


@dataclasses.dataclass(frozen=True)
class Measurement:
    """``argv`` (after ``python -m``), writing its JSON report to the path given after ``--json``."""

    name: str
    kind: str  # "step", "run" or "train"
    argv: tuple[str, ...]
    smoke_argv: tuple[str, ...]
    gpu: bool = False


def _bench(entry: str, *options: str, smoke: tuple[str, ...] = ("--steps", "1", "--repeats", "1", "--warmup", "1")):
    return ("jax_zoo.cli", "bench", entry, *options), ("jax_zoo.cli", "bench", entry, *smoke)


def _steps(entry: str, *options: str, gpu: bool = False) -> Measurement:
    full, smoke = _bench(entry, *options)
    if gpu:
        full, smoke = full + ("--torch", *GPU_MODES), smoke + ("--torch", *GPU_MODES)
    return Measurement(f"{entry}_step", "step", full, smoke, gpu)


def _run(entry: str, *options: str, gpu: bool = False) -> Measurement:
    full, smoke = _bench(entry, "--run", *options, smoke=("--run", "--epochs", "1", "--repeats", "1"))
    return Measurement(f"{entry}_run", "run", full, smoke, gpu)


MEASUREMENTS = [
    _steps("fashion_simple_cnn", "--batch-size", "128", "--steps", "20", "--repeats", "7"),
    Measurement(
        "readme_snippet", "snippet", ("benchmarks.readme_snippet", "--steps", "20", "--repeats", "7"),
        ("benchmarks.readme_snippet", "--steps", "1", "--repeats", "1"),
    ),
    _steps("fashion_resnet", "--steps", "5", "--repeats", "5"),
    _steps("names_bilstm", "--steps", "5", "--repeats", "5"),
    _steps("kjv_char_lstm", "--batch-size", "64", "--steps", "10", "--repeats", "7"),
    _steps("numbers_en_fr", "--steps", "10", "--repeats", "5"),
    _run("digits_cnn", "--repeats", "3"),
    _run("fashion_simple_cnn", "--epochs", "2", "--repeats", "2"),
    _run("names_tutorial_rnn", "--epochs", "2", "--repeats", "2"),
    _run("numbers_en_fr", "--repeats", "2"),
    _steps("fashion_simple_cnn", "--steps", "50", "--repeats", "7", gpu=True),
    _steps("fashion_resnet", "--steps", "20", "--repeats", "7", gpu=True),
    _steps("kjv_char_lstm", "--steps", "20", "--repeats", "7", gpu=True),
    _steps("numbers_en_fr", "--steps", "20", "--repeats", "7", gpu=True),
    _run("fashion_simple_cnn", "--repeats", "1", "--torch", *GPU_MODES, gpu=True),
    Measurement("kjv_char_lstm_train", "train", ("jax_zoo.cli", "train", "kjv_char_lstm"),
                ("jax_zoo.cli", "train", "kjv_char_lstm", "--set", "epochs=1"), gpu=True),
]


def backend() -> str:
    """``cpu``, or the GPU's name as a file name (``nvidia_h200``)."""
    code = "import jax; d = jax.devices()[0]; print(d.device_kind if d.platform == 'gpu' else 'cpu')"
    kind = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    return re.sub(r"[^a-z0-9]+", "_", kind.lower()).strip("_")


def measure(measurement: Measurement, report: Path, smoke: bool) -> None:
    """Runs ``measurement``; its report at ``report`` (written only when the command succeeded)."""
    argv = list(measurement.smoke_argv if smoke else measurement.argv)
    report.parent.mkdir(parents=True, exist_ok=True)
    partial = report.with_suffix(".partial")
    if measurement.kind == "train":
        with tempfile.TemporaryDirectory(prefix=f"{measurement.name}-") as workdir:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", *argv, "--workdir", workdir, "--no-progress"], cwd=ROOT, check=True)
            wall = time.perf_counter() - start
            results = json.loads((Path(workdir) / "results.json").read_text())
        command = shlex.join(["zoo", *argv[1:]])
        partial.write_text(json.dumps({"command": command, "wall_seconds": wall, "results": results}, indent=2) + "\n")
    else:
        subprocess.run([sys.executable, "-m", *argv, "--json", str(partial)], cwd=ROOT, check=True)
    partial.replace(report)


# --- the tables ---------------------------------------------------------------------------------

def _rate(row: dict) -> str:
    if "calls_per_second" not in row:
        return "failed" if "error" in row else ""
    if "tokens_per_second" in row:
        return f"{row['tokens_per_second']:,.0f} tokens/s"
    return f"{row['examples_per_second']:,.0f} ex/s"


def _percent(row: dict | None) -> str:
    return "" if not row or "percent_of_peak" not in row else f"{row['percent_of_peak']:.0f}%"


def step_rows(report: dict) -> list[str]:
    """One table row per measure of a ``zoo bench ENTRY`` report."""
    lines = []
    for measure, ratio in report["jax_over_best_torch"].items() or [("train_step", None)]:
        rows = [row for row in report["rows"] if row["measure"] == measure]
        sides = {row["side"]: row for row in rows}
        jax_row, eager = sides["jax"], sides.get("torch eager")
        compiled = [row for side, row in sides.items() if side.startswith("torch.compile")]
        what = f"`{report['entry']}` {measure.replace('_', ' ')}, batch {report['batch_size']}"
        compiled_rates = "; ".join(f"{_rate(row)} ({row['side'].split()[-1]})" for row in compiled)
        peaks = " / ".join(_percent(row) for row in [jax_row, eager, *compiled] if row)
        compiles = [f"{jax_row['compile_seconds']:.1f}"] + [
            f"{row['compile_seconds']:.1f}" for row in compiled if row.get("compile_seconds") is not None
        ]
        ratio_text = "" if ratio is None else f"**{ratio:.2f}x**"
        lines.append(
            f"| {what} | `{report['command']}` | {_rate(jax_row)} | {_rate(eager or {})} | {compiled_rates} | "
            f"{ratio_text} | {peaks} | {' / '.join(compiles)} s |"
        )
    return lines


def snippet_row(report: dict) -> list[str]:
    name = "readme_snippet"
    torch_sides = list(report["ratio_over_torch"])
    rates = {side: f"{128_000 / report['step_ms'][side]:,.0f} ex/s" for side in [name, *torch_sides]}
    compiled = "; ".join(f"{rates[side]} ({side.split()[-1]})" for side in torch_sides if side != "torch eager")
    peaks = " / ".join(f"{report['percent_of_peak'][side]:.0f}%" for side in [name, *torch_sides])
    compiles = [f"{report['compile_seconds'][side]:.1f}" for side in [name, *torch_sides] if side in report["compile_seconds"]]
    return [(
        f"| the README's pure-function script, batch 128 | `{report['command']}` | {rates[name]} | "
        f"{rates.get('torch eager', '')} | {compiled} | **{report['ratio_over_best_torch'][name]:.2f}x** | "
        f"{peaks} | {' / '.join(compiles)} s |"
    )]


def run_rows(report: dict) -> list[str]:
    """One table row per ``zoo bench ENTRY --run`` report: median wall times per side."""
    import statistics

    sides: dict[str, list[dict]] = {}
    for row in report["rows"]:
        sides.setdefault(row["side"], []).append(row)
    extrapolated = report["epochs"] != report["published_epochs"]
    key = "extrapolated_wall_seconds" if extrapolated else "wall_seconds"

    def cell(side: str) -> str:
        rows = [row for row in sides.get(side, []) if "error" not in row]
        if not rows:
            return "failed" if side in sides else ""
        wall = statistics.median(row[key] for row in rows)
        metric = statistics.median(row["metric"] for row in rows)
        outside = " (outside the noise of jax's)" if any(row.get("within_noise") is False for row in rows) else ""
        return f"{wall:,.0f} s, {report['metric'].replace('_', ' ')} {metric:.4f}{outside}"

    torch_sides = [side for side in sides if side != "jax"]
    medians = {side: [r[key] for r in rows if "error" not in r] for side, rows in sides.items()}
    best = min((statistics.median(v) for s, v in medians.items() if s != "jax" and v), default=None)
    ratio = "" if best is None or not medians.get("jax") else f"**{best / statistics.median(medians['jax']):.2f}x**"
    epochs = (f"{report['epochs']} of {report['published_epochs']}, extrapolated" if extrapolated
              else f"{report['epochs']}")
    compiled = "; ".join(f"{cell(side)} ({side.split()[-1]})" for side in torch_sides if side != "torch eager")
    return [(
        f"| `{report['entry']}` | {epochs} | `{report['command']}` | {cell('jax')} | {cell('torch eager')} | "
        f"{compiled} | {ratio} |"
    )]


STEP_HEADER = [
    "| step | command | jax | torch eager | torch.compile | jax / faster torch | % of matmul peak (jax / eager / compiled) | compile (jax / torch.compile) |",
    "|---|---|---|---|---|---|---|---|",
]
RUN_HEADER = [
    "| whole run | epochs | command | jax | torch eager | torch.compile | jax / faster torch |",
    "|---|---|---|---|---|---|---|",
]


def tables(out: Path, backend_name: str) -> str:
    """The step and whole-run tables of one backend's reports, in the measurements' order."""
    folder = out / backend_name
    steps, runs, trains = [], [], []
    for measurement in MEASUREMENTS:
        path = folder / f"{measurement.name}.json"
        if measurement.gpu != (backend_name != "cpu") or not path.is_file():
            continue
        report = json.loads(path.read_text())
        if measurement.kind == "step":
            steps += step_rows(report)
        elif measurement.kind == "snippet":
            steps += snippet_row(report)
        elif measurement.kind == "run":
            runs += run_rows(report)
        elif measurement.kind == "train":
            test = {k: v for k, v in report["results"]["test"].items() if isinstance(v, float)}
            trains.append(f"`{report['command']}`: {report['wall_seconds']:,.0f} s, test "
                          + ", ".join(f"{k.replace('_', ' ')} {v:.4f}" for k, v in test.items()))
    where = f"`zoo/published/bench/{backend_name}/`"
    parts = []
    if steps:
        parts += [*STEP_HEADER, *steps, ""]
    if runs:
        parts += [*RUN_HEADER, *runs, ""]
    parts += [f"- {line}" for line in trains] + ([""] if trains else [])
    if not parts:
        return f"Not measured yet: `python -m benchmarks.measure_speed` writes these reports to {where}.\n"
    return "\n".join([f"Reports: {where} (`python -m benchmarks.measure_speed`).", "", *parts])


def rewrite_docs(docs: Path, out: Path) -> list[str]:
    """Rewrites each ``<!-- measure_speed BACKEND -->`` ... ``<!-- /measure_speed -->`` block of
    ``docs`` from ``out``'s reports; the backends rewritten."""
    text = docs.read_text()
    pattern = re.compile(r"(<!-- measure_speed (\S+) -->\n)(.*?)(<!-- /measure_speed -->)", flags=re.DOTALL)
    found = [match.group(2) for match in pattern.finditer(text)]
    docs.write_text(pattern.sub(lambda m: m.group(1) + tables(out, m.group(2)) + m.group(4), text))
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.measure_speed", description=__doc__.splitlines()[0])
    names = sorted({measurement.name for measurement in MEASUREMENTS})
    parser.add_argument("--only", nargs="+", choices=names, metavar="NAME", help=f"of {', '.join(names)}")
    parser.add_argument("--smoke", action="store_true", help="one round of one step, one epoch: checks the script")
    parser.add_argument("--out", type=Path, default=ROOT / "zoo" / "published" / "bench")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--tables-only", action="store_true", help="rewrite the docs' tables from the reports, measure nothing")
    args = parser.parse_args(argv)
    here = backend()
    started = time.perf_counter()
    for measurement in [] if args.tables_only else MEASUREMENTS:
        if (args.only and measurement.name not in args.only) or measurement.gpu != (here != "cpu"):
            continue
        report = args.out / here / f"{measurement.name}.json"
        print(f"== {measurement.name} -> {report}", flush=True)
        start = time.perf_counter()
        measure(measurement, report, args.smoke)
        print(f"== {measurement.name}: {time.perf_counter() - start:.0f} s", flush=True)
    rewritten = rewrite_docs(args.docs, args.out)
    print(f"tables of {', '.join(rewritten) or 'no backend'} rewritten in {args.docs}; "
          f"{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
