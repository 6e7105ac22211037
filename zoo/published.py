"""Published results: ``results.json`` files of our own runs, committed under ``zoo/published/``."""

import json
from importlib import resources
from typing import Any


def published_result(entry: str) -> dict[str, Any] | None:
    """The committed ``results.json`` of ``entry``, or None if none was published."""
    path = resources.files("zoo") / "published" / f"{entry}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text())


def headline(results: dict[str, Any]) -> str:
    """The first test metric, e.g. ``accuracy 98.89%`` or ``loss 0.0123``."""
    test = {name: value for name, value in results["test"].items() if name not in ("count", "loss")}
    if not test:
        return f"loss {results['test']['loss']:.4g}"
    name, value = next(iter(test.items()))
    return f"{name} {value:.2%}" if "accuracy" in name else f"{name} {value:.4g}"
