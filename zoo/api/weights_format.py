"""Variables as bytes: safetensors with flattened variable paths, and flax msgpack read as before.

A safetensors file holds one tensor per variable, named by its path in the variables
(``"params/conv1/kernel"``, ``"batch_stats/norm1_1/mean"``), so any framework's safetensors reader
lists and loads them; ``{"format": "flax"}`` in its metadata says how to read the names.
Floating variables may be stored as bfloat16 (``STORAGES``), half the bytes; they are read back
as float32, the dtype the models compute in. Tables most of whose rows are zero may be stored
sparse (``sparse_rows``, their paths): ``PATH@rows`` holds the indices of a table's nonzero rows
(axis -2, int32) and ``PATH@values`` those rows, the metadata's ``"sparse_rows"`` each such
table's shape; the reader fills the other rows with zeros.
"""

import json
from collections.abc import Collection
from typing import Any

import ml_dtypes
import numpy as np
import safetensors
from flax import serialization, traverse_util
from safetensors import SafetensorError
from safetensors.numpy import load as load_safetensors, save as save_safetensors

from jax_zoo.core.errors import ZooError

SEPARATOR = "/"
FORMATS = (".safetensors", ".msgpack")
"""The weights files ``read_variables`` takes, by their suffix; the first is the one written."""
STORAGES = ("float32", "bfloat16")
"""How ``safetensors_bytes`` stores floating variables: as they are, or rounded to bfloat16."""


ROWS, VALUES = "@rows", "@values"
"""Suffixes of a sparse table's two tensors."""


def safetensors_bytes(
    variables: dict[str, Any], storage: str = "float32", sparse_rows: Collection[str] = ()
) -> bytes:
    """``variables`` (nested, any arrays) as a safetensors file, one tensor per flattened path;
    ``storage="bfloat16"`` rounds every floating tensor to bfloat16 (safetensors' ``BF16``); the
    tables at the paths ``sparse_rows`` are stored as their nonzero rows (axis -2, across any
    leading axes) and those rows' indices."""
    if storage not in STORAGES:
        raise ValueError(f"storage: expected one of {STORAGES}, got {storage!r}")
    flat = traverse_util.flatten_dict(variables, sep=SEPARATOR)
    tensors = {path: np.ascontiguousarray(np.asarray(leaf)) for path, leaf in sorted(flat.items())}
    shapes = {}
    for path in sparse_rows:
        tensor = tensors.pop(path)
        if tensor.ndim < 2:
            raise ValueError(f"sparse_rows: expected tables of at least 2 axes, got {path} of shape {tensor.shape}")
        other_axes = tuple(axis for axis in range(tensor.ndim) if axis != tensor.ndim - 2)
        rows = np.flatnonzero(np.any(tensor != 0, axis=other_axes))
        tensors[path + ROWS] = rows.astype(np.int32)
        tensors[path + VALUES] = np.ascontiguousarray(np.take(tensor, rows, axis=-2))
        shapes[path] = list(tensor.shape)
    if storage == "bfloat16":
        tensors = {
            path: tensor.astype(ml_dtypes.bfloat16) if np.issubdtype(tensor.dtype, np.floating) else tensor
            for path, tensor in tensors.items()
        }
    metadata = {"format": "flax"} | ({"sparse_rows": json.dumps(shapes, sort_keys=True)} if shapes else {})
    return save_safetensors(dict(sorted(tensors.items())), metadata=metadata)


def stored_as(variables: dict[str, Any], storage: str, sparse_rows: Collection[str] = ()) -> dict[str, Any]:
    """``variables`` as ``read_variables`` returns them after ``safetensors_bytes(variables, storage, sparse_rows)``."""
    return read_variables("stored.safetensors", safetensors_bytes(variables, storage, sparse_rows))


_DTYPES = {
    "BF16": ml_dtypes.bfloat16, "F16": np.float16, "F32": np.float32, "F64": np.float64, "BOOL": np.bool_,
    "U8": np.uint8, "I8": np.int8, "I16": np.int16, "I32": np.int32, "U32": np.uint32, "I64": np.int64,
    "U64": np.uint64,
}
"""The safetensors dtypes of a file with bfloat16 tensors, read as numpy types (little-endian, as written)."""


def _safetensors_arrays(data: bytes) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file, bfloat16 ones widened to float32. safetensors' numpy
    reader has no bfloat16 (numpy lacks the type), so those files are read tensor by tensor with
    ml_dtypes' bfloat16."""
    if b'"BF16"' not in _header(data):
        return load_safetensors(data)
    arrays = {}
    for name, tensor in safetensors.deserialize(data):
        if tensor["dtype"] not in _DTYPES:
            raise ValueError(f"tensor {name!r} is {tensor['dtype']}, expected one of {sorted(_DTYPES)}")
        values = np.frombuffer(bytes(tensor["data"]), _DTYPES[tensor["dtype"]]).reshape(tensor["shape"])
        arrays[name] = values.astype(np.float32) if tensor["dtype"] == "BF16" else values
    return arrays


def _header(data: bytes) -> bytes:
    """A safetensors file's JSON header (after its 8 bytes of length)."""
    return data[8 : 8 + int.from_bytes(data[:8], "little")]


def _metadata(data: bytes) -> dict[str, str]:
    """A safetensors file's ``__metadata__``."""
    return json.loads(_header(data)).get("__metadata__") or {}


def _dense_tables(flat: dict[str, np.ndarray], metadata: dict[str, str], name: str) -> dict[str, np.ndarray]:
    """``flat`` with each sparse table (``ROWS``/``VALUES`` pairs) filled back to its full shape."""
    try:
        shapes = json.loads(metadata.get("sparse_rows", "{}"))
        for path, shape in shapes.items():
            rows, values = flat.pop(path + ROWS), flat.pop(path + VALUES)
            table = np.zeros(shape, values.dtype)
            index = [slice(None)] * len(shape)
            index[-2] = rows
            table[tuple(index)] = values
            flat[path] = table
    except (KeyError, ValueError, IndexError, TypeError) as error:
        raise ZooError(
            f"{name}: a sparse table does not fit its recorded shape ({error!r}); expected weights written by jax_zoo"
        ) from None
    return flat


def read_variables(name: str, data: bytes) -> dict[str, Any]:
    """The nested numpy variables in ``data``, a file called ``name``: safetensors of flattened
    paths (``safetensors_bytes``; bfloat16 read as float32) or ``flax.serialization`` msgpack."""
    if name.endswith(".safetensors"):
        try:
            flat = _safetensors_arrays(data)
        except (SafetensorError, ValueError) as error:
            raise ZooError(f"{name} is not a safetensors file ({error}); expected weights written by jax_zoo") from None
        return traverse_util.unflatten_dict(_dense_tables(flat, _metadata(data), name), sep=SEPARATOR)
    if name.endswith(".msgpack"):
        return serialization.msgpack_restore(data)
    raise ZooError(f"{name}: expected a weights file ending in {' or '.join(FORMATS)}")
