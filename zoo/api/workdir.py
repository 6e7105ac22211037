"""A workdir as ``zoo train`` (one run) and ``zoo train --seeds`` / ``zoo sweep`` (stacked runs) keep it.

A workdir holds one training: its run file (``config.json`` for one run, ``runs.json`` for
stacked runs), ``metrics.jsonl`` and ``checkpoints/`` written while it trains, and
``results.json`` once it has finished. Both kinds claim, start and finish a workdir here: a
workdir holding something else is refused rather than mixed, a killed write leaves no
temporary file behind once the run starts again, and with several processes only process 0
writes.
"""

import shlex
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jax

from jax_zoo.train import xla_flags
from jax_zoo.train.records import environment, remove_interrupted_writes, write_json_atomic
from jax_zoo.core.errors import WorkdirError
from jax_zoo.api.restore import read_json
from jax_zoo.api.results import xla_flags_prefix

RESULTS = "results.json"


def recorded_command(words: Sequence[str], overrides: Mapping[str, Any] | None) -> str:
    """The ``zoo`` command ``words`` with one ``--set`` per override, ``XLA_FLAGS`` in front when set."""
    words = list(words)
    for name, value in (overrides or {}).items():
        words += ["--set", f"{name}={value}"]
    return xla_flags_prefix(xla_flags.user_flags()) + shlex.join(words)


def _set_aside(workdir: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    aside = workdir.with_name(f"{workdir.name}.old-{stamp}")
    workdir.rename(aside)
    return aside


def saved_run(workdir: Path, run_file: str, *, restart: bool = False) -> Any:
    """The run ``workdir/run_file`` records, or None for a new run (an empty or missing workdir).

    ``restart`` first moves whatever the workdir holds aside (never deleting it); a workdir
    holding files but no run file is refused.
    """
    if restart and workdir.exists() and any(workdir.iterdir()):
        print(f"Moved the previous run aside to {_set_aside(workdir)}.")
    path = workdir / run_file
    if path.is_file():
        return read_json(path, f"the {run_file} `zoo train` writes")
    if workdir.exists() and any(workdir.iterdir()):
        raise WorkdirError(f"workdir {workdir} holds files but no run (no {run_file}); choose an empty or new --workdir")
    return None


def finished_results(workdir: Path) -> dict[str, Any] | None:
    """``results.json`` of a finished run, or None while it has not finished."""
    path = workdir / RESULTS
    return read_json(path, "the results `zoo train` writes once a run has finished") if path.is_file() else None


def is_writer() -> bool:
    """With several processes, process 0 writes the workdir's files for all."""
    return jax.process_index() == 0


def start_run(workdir: Path, run_file: str, run: Any, records: Mapping[str, Any] | None = None) -> None:
    """Creates the workdir, removes what killed writes left there and records the run;
    ``records``: more JSON files, name -> content, written before the run file."""
    records = dict(records or {})
    workdir.mkdir(parents=True, exist_ok=True)
    if is_writer():
        remove_interrupted_writes(workdir, (run_file, "metrics.jsonl", RESULTS, *records))
        for name, content in records.items():
            write_json_atomic(workdir / name, content)
        write_json_atomic(workdir / run_file, run)


def finish_run(workdir: Path, results: dict[str, Any]) -> dict[str, Any]:
    """Writes ``results.json`` (process 0) and returns it."""
    if is_writer():
        write_json_atomic(workdir / RESULTS, results)
    return results


def run_summary(
    fit_result: Any, *, start: float, command: str | None, xla_options: Mapping[str, Any],
) -> dict[str, Any]:
    """What every ``results.json`` ends with: where training resumed, its times, the command
    that reproduces it, the XLA options its steps were compiled with, and the environment."""
    return {
        "resumed_from_step": fit_result.resumed_from_step,
        "fit_seconds": round(fit_result.wall_seconds, 3),
        "compile_seconds": round(fit_result.compile_seconds, 3),
        "wall_seconds": round(time.perf_counter() - start, 3),
        "command": command,
        "xla_options": xla_flags.as_flags(xla_options),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **environment(),
    }
