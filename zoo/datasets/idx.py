"""Reads the IDX format of (Fashion-)MNIST: ``.gz`` files of one uint8 array with a shape header."""

import gzip
from pathlib import Path

import numpy as np

from jax_zoo.core.errors import ZooError

_UINT8 = 0x08


class IdxError(ZooError):
    """A file that is not the IDX array it should be."""


def read_idx(path: Path, expected_shape: tuple[int, ...]) -> np.ndarray:
    """The uint8 array of a gzipped IDX file, checked against ``expected_shape``.

    Layout: two zero bytes, a dtype byte (0x08 = uint8), a byte with the number of dimensions,
    one big-endian uint32 per dimension, then the data in C order.
    """
    try:
        with gzip.open(path, "rb") as file:
            content = file.read()
    except OSError as error:
        raise IdxError(f"{path}: expected a gzipped IDX file, could not read it ({error})") from None
    if len(content) < 4 or content[:2] != b"\x00\x00" or content[2] != _UINT8:
        raise IdxError(f"{path}: expected an IDX header 00 00 08 (uint8), got {content[:4].hex(' ') or 'an empty file'}")
    ndim = content[3]
    header_size = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(content[4:header_size], dtype=">u4"))
    if shape != tuple(expected_shape):
        raise IdxError(f"{path}: expected an array of shape {list(expected_shape)}, the header says {list(shape)}")
    data = np.frombuffer(content, dtype=np.uint8, offset=header_size)
    if data.size != np.prod(shape):
        raise IdxError(
            f"{path}: expected {int(np.prod(shape))} bytes of data after the header, got {data.size} "
            f"(truncated or damaged file)"
        )
    return data.reshape(shape)
