"""What a run leaves in its workdir: ``metrics.jsonl`` lines and atomically written JSON files."""

import json
import os
import platform
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import jax

from jax_zoo.train import host_memory, xla_flags

_PACKAGES = ("jax", "jaxlib", "flax", "optax", "orbax-checkpoint", "tensorflow-datasets", "numpy")


def write_json_atomic(path: str | os.PathLike, payload: Any) -> None:
    """Writes JSON to a temporary file beside ``path`` and renames it into place, so a reader
    never sees a half-written file, even if the process dies mid-write."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.", delete=False) as file:
        json.dump(payload, file, indent=2, sort_keys=False)
        file.write("\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(file.name, path)


def remove_interrupted_writes(directory: str | os.PathLike, names: tuple[str, ...]) -> list[Path]:
    """Deletes the temporary files a killed ``write_json_atomic``/``write_jsonl_atomic`` left
    beside ``names`` in ``directory`` (``.<name>.<random>``); the files themselves are intact."""
    leftovers = [path for name in names for path in Path(directory).glob(f".{name}.*") if path.is_file()]
    for path in leftovers:
        path.unlink()
    return leftovers


def append_jsonl(path: str | os.PathLike, record: dict[str, Any]) -> None:
    """Appends one JSON line (one ``write`` call, flushed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as file:
        file.write(json.dumps(record) + "\n")
        file.flush()


def write_jsonl_atomic(path: str | os.PathLike, records: list[dict[str, Any]]) -> None:
    """Replaces ``path`` with one JSON line per record, atomically."""
    path = Path(path)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.", delete=False) as file:
        file.writelines(json.dumps(record) + "\n" for record in records)
        file.flush()
        os.fsync(file.fileno())
    os.replace(file.name, path)


def environment() -> dict[str, Any]:
    """Package versions and the machine, recorded beside every result."""
    versions = {"python": platform.python_version()}
    for package in _PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    device = jax.devices()[0]
    return {
        "versions": versions,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpu_count": os.cpu_count(),
            "backend": jax.default_backend(),
            "device": device.device_kind,
            "device_count": jax.device_count(),
            "xla_flags": os.environ.get("XLA_FLAGS", ""),
            "xla_flags_added_by_zoo": " ".join(xla_flags.added_flags()),
            "malloc_settings_by_zoo": host_memory.applied_settings(),
        },
        "argv": sys.argv,
    }
