"""What the commands share: option helpers and how metrics are printed."""

import argparse
from pathlib import Path


def add_overrides(command: argparse.ArgumentParser) -> None:
    command.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                         help="override a config value; repeatable")


def format_metrics(metrics: dict) -> str:
    parts = [
        f"{name} {value:.2%}" if "accuracy" in name else f"{name} {value:.4g}"
        for name, value in metrics.items()
        if name != "count" and isinstance(value, float)
    ]
    return ", ".join(parts) + f" on {metrics['count']} examples"


def write_report(path: Path | None, report: dict) -> None:
    if path:
        from jax_zoo.train.records import write_json_atomic

        write_json_atomic(path, report)
