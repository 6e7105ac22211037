"""Shipped weights from flax msgpack to safetensors, the same variables bit for bit.

    python -m jax_zoo.api.convert_weights [ENTRY ...] [--in DIR]

For each entry (default: every one whose record in ``DIR``, by default this checkout's
``zoo/published/weights``, names a ``.msgpack`` file): checks the msgpack file against the
record's sha256, writes ``ENTRY.safetensors`` (``jax_zoo.api.weights_format``), checks that it
reads back equal, rewrites the record to name it (keeping the old file's name and sha256 under
``converted_from``) and removes the msgpack file.
"""

import argparse
import hashlib
import json
import sys
from pathlib import Path

import jax
import numpy as np

from jax_zoo.core.errors import ZooError
from jax_zoo.api.export_weights import SOURCE_WEIGHTS_DIRECTORY, write_weights
from jax_zoo.api.weights_format import read_variables, safetensors_bytes


def msgpack_entries(directory: Path) -> list[str]:
    """The entries whose record in ``directory`` names a msgpack file."""
    suffix = ".weights.json"
    return sorted(
        path.name[: -len(suffix)] for path in directory.glob(f"*{suffix}")
        if json.loads(path.read_text()).get("weights", "").endswith(".msgpack")
    )


def convert(entry: str, directory: Path) -> Path:
    """Converts ``entry``'s msgpack weights in ``directory``; returns the safetensors file's path."""
    record_path = directory / f"{entry}.weights.json"
    if not record_path.is_file():
        raise ZooError(f"{entry!r}: no {record_path}; expected a shipped weights record")
    record = json.loads(record_path.read_text())
    old_path = directory / record.get("weights", f"{entry}.msgpack")
    if old_path.suffix != ".msgpack" or not old_path.is_file():
        raise ZooError(f"{entry!r}: {record_path.name} names {old_path.name}, expected a msgpack file beside it")
    data = old_path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != record["sha256"]:
        raise ZooError(f"{old_path} has sha256 {digest}, its record says {record['sha256']}: not converted")
    variables = read_variables(old_path.name, data)
    back = read_variables("check.safetensors", safetensors_bytes(variables))
    same = jax.tree.structure(back) == jax.tree.structure(variables) and all(
        a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(jax.tree.leaves(back), jax.tree.leaves(variables))
    )
    if not same:
        raise ZooError(f"{old_path}: its variables do not survive safetensors unchanged; not converted")
    converted_from = {"weights": old_path.name, "sha256": digest}
    weights_path, _ = write_weights(entry, variables, record | {"converted_from": converted_from}, directory)
    return weights_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jax_zoo.api.convert_weights", description=__doc__.split("\n")[0])
    parser.add_argument("entries", nargs="*", metavar="ENTRY")
    parser.add_argument("--in", dest="directory", type=Path, default=SOURCE_WEIGHTS_DIRECTORY,
                        help="directory of the weights (default: zoo/published/weights of this checkout)")
    args = parser.parse_args(argv)
    try:
        for entry in args.entries or msgpack_entries(args.directory):
            path = convert(entry, args.directory)
            print(f"{entry}: {path} ({path.stat().st_size:,} bytes)")
    except ZooError as error:
        print(f"convert_weights: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
