"""Published results: ``results.json`` files of our own runs, committed under ``zoo/published/``."""

import json
from importlib import resources
from typing import Any


def published_result(entry: str) -> dict[str, Any] | None:
    """The committed ``results.json`` of ``entry``, or None if none was published."""
    path = resources.files("jax_zoo") / "published" / f"{entry}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text())
