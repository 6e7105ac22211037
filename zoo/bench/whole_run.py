"""``zoo bench ENTRY --run``: time to the test result, whole commands, against PyTorch scripts of the same recipe.

The JAX side is ``zoo train ENTRY`` in a fresh workdir; the PyTorch side is
``python -m benchmarks.pytorch.ENTRY`` (a source checkout's ``benchmarks/pytorch/``: the same data,
order rules, epochs, optimizer, schedule, evaluation, checkpoints and test), eagerly and through
``torch.compile``. Each runs as its own process, timed from start to exit: imports, data loading,
compilation, training, evaluation, checkpoints and the test are all in the wall time; the
compilation and warm-up are also reported apart, as the first epoch's seconds beyond a later
epoch's. Runs of the sides alternate, ``repeats`` times.

With ``epochs`` below the entry's, both sides train that many epochs (the schedule spans them)
and each wall time is also extrapolated to the entry's epochs: the run's wall time plus the
missing epochs at the median of its later epochs' seconds.
"""

import json
import math
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from jax_zoo.core import registry
from jax_zoo.core.config import resolve_config
from jax_zoo.core.errors import ConfigError
from jax_zoo.train.records import environment

RUN_ENTRIES = ("digits_cnn", "fashion_simple_cnn", "names_tutorial_rnn", "numbers_en_fr")
RUN_TORCH_MODES = (None, "default")
REPOSITORY = Path(__file__).resolve().parents[2]


def pytorch_script(entry: str) -> Path:
    """``benchmarks/pytorch/ENTRY.py`` of the source checkout this package runs from."""
    script = REPOSITORY / "benchmarks" / "pytorch" / f"{entry}.py"
    if not script.is_file():
        raise ConfigError(
            f"--run: expected a PyTorch script of {entry}'s recipe at {script} (a source checkout of jax-zoo); "
            f"there are scripts for {', '.join(RUN_ENTRIES)}"
        )
    return script


def _run(argv: list[str], shown: list[str], cwd: Path) -> float:
    """Runs ``argv`` to its end; its wall seconds, or ``RuntimeError`` with the end of its output."""
    start = time.perf_counter()
    finished = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if finished.returncode != 0:
        tail = "\n".join((finished.stdout + finished.stderr).splitlines()[-15:])
        raise RuntimeError(f"`{shlex.join(shown)}` failed with exit status {finished.returncode}:\n{tail}")
    return seconds


def _epochs_summary(epoch_seconds: list[float], published_epochs: int, wall: float) -> dict[str, float | None]:
    later = epoch_seconds[1:]
    steady = statistics.median(later) if later else None
    return {
        "epoch_seconds": epoch_seconds,
        "first_epoch_extra_seconds": None if steady is None else epoch_seconds[0] - steady,
        "extrapolated_wall_seconds": wall + (published_epochs - len(epoch_seconds)) * (steady or epoch_seconds[0]),
    }


def jax_run(entry: str, workdir: Path, epochs: int | None, metric: str, published_epochs: int) -> dict[str, Any]:
    """``zoo train ENTRY`` in ``workdir``, timed whole; its test metric and timings."""
    command = ["zoo", "train", entry, "--workdir", str(workdir), "--no-progress"]
    if epochs is not None:
        command += ["--set", f"epochs={epochs}"]
    wall = _run([sys.executable, "-m", "jax_zoo.cli", *command[1:]], command, REPOSITORY)
    results = json.loads((workdir / "results.json").read_text())
    history = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines() if line.strip()]
    return {
        "side": "jax", "command": shlex.join(command), "wall_seconds": wall, "metric": results["test"][metric],
        "test": {key: value for key, value in results["test"].items() if isinstance(value, (int, float))},
        "epochs": results["epochs"], "steps": results["steps"], "fit_seconds": results["fit_seconds"],
        "compile_seconds": results["compile_seconds"],
        **_epochs_summary([record["epoch_seconds"] for record in history], published_epochs, wall),
    }


def torch_run(entry: str, workdir: Path, epochs: int | None, mode: str | None, metric: str,
              published_epochs: int) -> dict[str, Any]:
    """``python -m benchmarks.pytorch.ENTRY`` (compiled in ``mode`` unless None), timed whole."""
    pytorch_script(entry)
    output = workdir / "results.json"
    command = ["python", "-m", f"benchmarks.pytorch.{entry}", "--workdir", str(workdir), "--json", str(output)]
    if mode is not None:
        command += ["--compile"] + ([] if mode == "default" else ["--compile-mode", mode])
    if epochs is not None:
        command += ["--epochs", str(epochs)]
    wall = _run([sys.executable, *command[1:]], command, REPOSITORY)
    results = json.loads(output.read_text())
    return {
        "side": "torch eager" if mode is None else f"torch.compile {mode}", "command": shlex.join(command),
        "wall_seconds": wall, "metric": results["test"][metric], "test": results["test"],
        "epochs": results["epochs"], "steps": results["steps"], "fit_seconds": results["fit_seconds"],
        "first_step_seconds": results["first_step_seconds"], "framework": results["framework"],
        "device": results["device"], "threads": results["threads"],
        **_epochs_summary([record["epoch_seconds"] for record in results["history"]], published_epochs, wall),
    }


def _compared(rows: list[dict[str, Any]]) -> None:
    """Adds each PyTorch row's JAX-over-it ratio of median wall times (and extrapolated ones)."""
    def median(side, key):
        return statistics.median(row[key] for row in rows if row["side"] == side and key in row)

    sides = {row["side"] for row in rows if "error" not in row}
    if "jax" not in sides:
        return
    for row in rows:
        if row["side"] != "jax" and "error" not in row:
            row["jax_over_this"] = median(row["side"], "wall_seconds") / median("jax", "wall_seconds")
            row["jax_over_this_extrapolated"] = (
                median(row["side"], "extrapolated_wall_seconds") / median("jax", "extrapolated_wall_seconds")
            )


def _judged(rows: list[dict[str, Any]]) -> None:
    """Adds each PyTorch row's difference from JAX's metric, and whether it is within noise: two
    binomial standard errors of a difference of two runs' shares of the test examples."""
    jax_rows = [row for row in rows if row["side"] == "jax" and "error" not in row]
    if not jax_rows:
        return
    reference = statistics.median(row["metric"] for row in jax_rows)
    share = min(max(reference, 0.0), 1.0)
    noise = 2 * math.sqrt(2 * share * (1 - share) / jax_rows[0]["test"]["count"])
    for row in rows:
        if row["side"] != "jax" and "error" not in row:
            row["metric_difference"] = row["metric"] - reference
            row["within_noise"] = abs(row["metric_difference"]) <= noise


def bench_run(entry: str, *, epochs: int | None = None, repeats: int = 1,
              torch_modes: tuple[str | None, ...] | None = None, workroot: str | Path | None = None) -> dict[str, Any]:
    """Whole runs of ``entry``, JAX and each of ``torch_modes`` (default eager and ``torch.compile``)
    alternating, ``repeats`` times; the report (see the module's docstring)."""
    if entry not in RUN_ENTRIES:
        raise ConfigError(f"--run: expected one of {', '.join(RUN_ENTRIES)}, got {entry!r}")
    config = resolve_config(entry)
    published_epochs = config["epochs"]
    if epochs is not None and not 1 <= epochs <= published_epochs:
        raise ConfigError(f"--epochs: expected 1 to the entry's {published_epochs}, got {epochs}")
    metric = next(iter(registry.get(entry)(**config).metrics))
    modes = RUN_TORCH_MODES if torch_modes is None else tuple(torch_modes)
    rows = []
    with tempfile.TemporaryDirectory(dir=workroot, prefix=f"bench-run-{entry}-") as root:
        for repeat in range(repeats):
            rows.append(jax_run(entry, Path(root) / f"jax-{repeat}", epochs, metric, published_epochs))
            for mode in modes:
                workdir = Path(root) / f"torch-{mode or 'eager'}-{repeat}"
                try:
                    rows.append(torch_run(entry, workdir, epochs, mode, metric, published_epochs))
                except RuntimeError as error:  # the report says so; the other rows stand
                    rows.append({"side": "torch eager" if mode is None else f"torch.compile {mode}", "error": str(error)})
    _compared(rows)
    _judged(rows)
    command = ["zoo", "bench", entry, "--run"] + (["--epochs", str(epochs)] if epochs else [])
    command += ["--repeats", str(repeats)] + (["--torch", *[m or "eager" for m in modes]] if modes else ["--no-torch"])
    return {
        "entry": entry, "measure": "whole_run", "command": shlex.join(command), "metric": metric,
        "published_epochs": published_epochs, "epochs": epochs or published_epochs, "repeats": repeats,
        "rows": rows,
    } | environment()
