"""The command line of the benchmarks that measure entries one by one into a report of rows.

    PYTHONPATH=. python benchmarks/SCRIPT.py ENTRY ... [--OPTION VALUE ...] [--json FILE]
"""

import argparse
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from jax_zoo.cli.process import prepare_process


def main(doc: str, script: str, options: Mapping[str, Any], measure: Callable[..., dict],
         line: Callable[[dict], str]) -> None:
    """Parses ``ENTRY ...`` and ``--OPTION`` (each with its default's type), measures each entry as
    ``measure(entry, **options)``, prints ``line(row)``, and with ``--json`` writes the rows, the
    command that made them and the machine's description."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("entries", nargs="+")
    for name, default in options.items():
        parser.add_argument(f"--{name}", type=type(default), default=default)
    parser.add_argument("--json")
    args = parser.parse_args()
    os.environ.setdefault("ZOO_COMPILATION_CACHE", "0")
    prepare_process()  # before JAX loads, as the zoo command does
    from jax_zoo.train.records import environment, write_json_atomic

    values = {name: getattr(args, name) for name in options}
    rows = []
    for entry in args.entries:
        rows.append(measure(entry, **values))
        print(line(rows[-1]), flush=True)
    if args.json:
        command = " ".join(["PYTHONPATH=. python", f"benchmarks/{Path(script).name}", *args.entries,
                            *(f"--{name} {value}" for name, value in values.items()), "--json", args.json])
        write_json_atomic(args.json, {"rows": rows, "command": command, **environment()})
