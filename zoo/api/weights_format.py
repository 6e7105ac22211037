"""Variables as bytes: safetensors with flattened variable paths, and flax msgpack read as before.

A safetensors file holds one tensor per variable, named by its path in the variables
(``"params/conv1/kernel"``, ``"batch_stats/norm1_1/mean"``), so any framework's safetensors reader
lists and loads them; ``{"format": "flax"}`` in its metadata says how to read the names.
"""

from typing import Any

import numpy as np
from flax import serialization, traverse_util
from safetensors import SafetensorError
from safetensors.numpy import load as load_safetensors, save as save_safetensors

from jax_zoo.core.errors import ZooError

SEPARATOR = "/"
FORMATS = (".safetensors", ".msgpack")
"""The weights files ``read_variables`` takes, by their suffix; the first is the one written."""


def safetensors_bytes(variables: dict[str, Any]) -> bytes:
    """``variables`` (nested, any arrays) as a safetensors file, one tensor per flattened path."""
    flat = traverse_util.flatten_dict(variables, sep=SEPARATOR)
    tensors = {path: np.ascontiguousarray(np.asarray(leaf)) for path, leaf in sorted(flat.items())}
    return save_safetensors(tensors, metadata={"format": "flax"})


def read_variables(name: str, data: bytes) -> dict[str, Any]:
    """The nested numpy variables in ``data``, a file called ``name``: safetensors of flattened
    paths (``safetensors_bytes``) or ``flax.serialization`` msgpack."""
    if name.endswith(".safetensors"):
        try:
            flat = load_safetensors(data)
        except (SafetensorError, ValueError) as error:
            raise ZooError(f"{name} is not a safetensors file ({error}); expected weights written by jax_zoo") from None
        return traverse_util.unflatten_dict(flat, sep=SEPARATOR)
    if name.endswith(".msgpack"):
        return serialization.msgpack_restore(data)
    raise ZooError(f"{name}: expected a weights file ending in {' or '.join(FORMATS)}")
