"""Variables as bytes: safetensors with flattened variable paths, and flax msgpack read as before.

A safetensors file holds one tensor per variable, named by its path in the variables
(``"params/conv1/kernel"``, ``"batch_stats/norm1_1/mean"``), so any framework's safetensors reader
lists and loads them; ``{"format": "flax"}`` in its metadata says how to read the names.
Floating variables may be stored as bfloat16 (``STORAGES``), half the bytes; they are read back
as float32, the dtype the models compute in.
"""

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


def safetensors_bytes(variables: dict[str, Any], storage: str = "float32") -> bytes:
    """``variables`` (nested, any arrays) as a safetensors file, one tensor per flattened path;
    ``storage="bfloat16"`` rounds every floating tensor to bfloat16 (safetensors' ``BF16``)."""
    if storage not in STORAGES:
        raise ValueError(f"storage: expected one of {STORAGES}, got {storage!r}")
    flat = traverse_util.flatten_dict(variables, sep=SEPARATOR)
    tensors = {path: np.ascontiguousarray(np.asarray(leaf)) for path, leaf in sorted(flat.items())}
    if storage == "bfloat16":
        tensors = {
            path: tensor.astype(ml_dtypes.bfloat16) if np.issubdtype(tensor.dtype, np.floating) else tensor
            for path, tensor in tensors.items()
        }
    return save_safetensors(tensors, metadata={"format": "flax"})


def stored_as(variables: dict[str, Any], storage: str) -> dict[str, Any]:
    """``variables`` as ``read_variables`` returns them after ``safetensors_bytes(variables, storage)``."""
    return read_variables("stored.safetensors", safetensors_bytes(variables, storage))


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
    if b'"BF16"' not in data[: 8 + int.from_bytes(data[:8], "little")]:
        return load_safetensors(data)
    arrays = {}
    for name, tensor in safetensors.deserialize(data):
        if tensor["dtype"] not in _DTYPES:
            raise ValueError(f"tensor {name!r} is {tensor['dtype']}, expected one of {sorted(_DTYPES)}")
        values = np.frombuffer(bytes(tensor["data"]), _DTYPES[tensor["dtype"]]).reshape(tensor["shape"])
        arrays[name] = values.astype(np.float32) if tensor["dtype"] == "BF16" else values
    return arrays


def read_variables(name: str, data: bytes) -> dict[str, Any]:
    """The nested numpy variables in ``data``, a file called ``name``: safetensors of flattened
    paths (``safetensors_bytes``; bfloat16 read as float32) or ``flax.serialization`` msgpack."""
    if name.endswith(".safetensors"):
        try:
            flat = _safetensors_arrays(data)
        except (SafetensorError, ValueError) as error:
            raise ZooError(f"{name} is not a safetensors file ({error}); expected weights written by jax_zoo") from None
        return traverse_util.unflatten_dict(flat, sep=SEPARATOR)
    if name.endswith(".msgpack"):
        return serialization.msgpack_restore(data)
    raise ZooError(f"{name}: expected a weights file ending in {' or '.join(FORMATS)}")
