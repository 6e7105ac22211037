"""``zoo sweep``: a grid of configs of one entry, as few compiled programs as the grid allows.

Values that only change the seed or the optimizer (learning rate, weight decay, momentum) are
stacked runs of one program (``jax_zoo.api.stacked``); values that change what is computed (batch
size, widths, dropout rates, the loss) split the grid into programs run one after another. The
sweep's workdir holds ``program-<n>/`` per program and ``sweep.json``: every run's final
validation metrics, their mean and std over seeds, and the best run by validation. The test split is
not read: train the chosen config with ``zoo train`` for its test result.
"""

import itertools
import os
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jax_zoo.train.records import environment, write_json_atomic
from jax_zoo.core.config import resolve_config
from jax_zoo.core.errors import ConfigError
from jax_zoo.api.build import build_from_config
from jax_zoo.api.stacked import program_difference, program_groups, train_stacked

_LOWER_IS_BETTER = ("loss", "error", "mse", "bits", "perplexity")


def parse_grid(assignments: Sequence[str]) -> dict[str, list[str]]:
    """``["learning_rate=1e-3,3e-3", "seed=0,1"]`` -> ``{"learning_rate": ["1e-3", "3e-3"], "seed": ["0", "1"]}``."""
    grid: dict[str, list[str]] = {}
    for assignment in assignments:
        name, sep, values = assignment.partition("=")
        listed = [value.strip() for value in values.split(",") if value.strip()]
        if not sep or not name.strip() or not listed:
            raise ConfigError(f"--set expects name=value[,value...], got {assignment!r}")
        if name.strip() in grid:
            raise ConfigError(f"--set {name.strip()} given twice; list its values in one --set, comma-separated")
        grid[name.strip()] = listed
    return grid


def grid_configs(entry: str, grid: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values as a resolved config (the last name varies fastest)."""
    names = list(grid)
    return [resolve_config(entry, dict(zip(names, values))) for values in itertools.product(*grid.values())]


def headline(metrics: Mapping[str, float]) -> tuple[str, bool]:
    """The metric a sweep ranks by (accuracy-like first, else the loss) and whether higher is better."""
    names = [name for name in metrics if name != "count"]
    for name in names:
        if not any(word in name for word in _LOWER_IS_BETTER):
            return name, True
    return names[0], False


def sweep(
    entry: str, grid: Mapping[str, Sequence[str]], workdir: str | os.PathLike, *, progress: bool = True,
    announce=print, runs_as: str = "auto",
) -> dict[str, Any]:
    """Trains every config of ``grid`` and writes ``workdir/sweep.json`` (returned); a program's
    runs as ``runs_as`` says (``jax_zoo.api.stacked.RUNS_AS``)."""
    workdir = Path(workdir)
    configs = grid_configs(entry, grid)
    built = [build_from_config(entry, config) for config in configs]
    groups = program_groups(built)
    if len(groups) > 1:
        fields = sorted({name for group in groups[1:] for name in program_difference(built[0].experiment,
                                                                                        built[group[0]].experiment)})
        announce(
            f"{len(configs)} configs in {len(groups)} programs, run one after another: the values of "
            f"{', '.join(fields)} change what is computed; seeds and optimizer values share a program"
        )
    else:
        announce(f"{len(configs)} configs in one program")
    runs: list[dict[str, Any]] = []
    for number, group in enumerate(groups):
        results = train_stacked(
            entry, [configs[i] for i in group], workdir / f"program-{number}", progress=progress,
            evaluate_test=False, command=None, runs_as=runs_as, announce=announce,
        )
        for index, run in zip(group, results["runs"]):
            values = {name: configs[index][name] for name in grid}
            runs.append({"index": index, "program": number, "runs_as": results["runs_as"], "values": values, **{
                key: run[key] for key in ("validation", "epochs", "diverged", "nonfinite_steps", "stopped_early")}})
    runs.sort(key=lambda run: run["index"])
    summary = {"entry": entry, "grid": {name: list(values) for name, values in grid.items()},
               "programs": len(groups), "runs": runs, **summarize(runs, grid)}
    summary |= environment()
    write_json_atomic(workdir / "sweep.json", summary)
    return summary


def summarize(runs: Sequence[Mapping[str, Any]], grid: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Mean and (population) std of every validation metric over seeds, per setting of the other
    swept values, and the best run by the headline validation metric (diverged ones excluded)."""
    finite = [run for run in runs if run["diverged"] is None and run["validation"]]
    if not finite:
        return {"settings": [], "best": None}
    metric, higher = headline(finite[0]["validation"])
    settings: dict[str, dict[str, Any]] = {}
    for run in finite:
        values = {name: value for name, value in run["values"].items() if name != "seed"}
        key = repr(sorted(values.items()))
        settings.setdefault(key, {"values": values, "validations": []})["validations"].append(run["validation"])
    table = []
    for setting in settings.values():
        row = {"values": setting["values"], "seeds": len(setting["validations"])}
        for name in setting["validations"][0]:
            if name != "count":
                column = [validation[name] for validation in setting["validations"]]
                row[name] = {"mean": statistics.fmean(column), "std": statistics.pstdev(column)}
        table.append(row)
    best = (max if higher else min)(finite, key=lambda run: run["validation"][metric])
    return {"ranked_by": f"validation {metric} ({'higher' if higher else 'lower'} is better)",
            "settings": table, "best": best}
