import gzip

import numpy as np
import pytest

from jax_zoo.datasets.idx import IdxError, read_idx


def write_idx(path, header: bytes, data: bytes):
    with gzip.open(path, "wb") as file:
        file.write(header + data)
    return path


def test_reads_the_array_its_header_describes(tmp_path):
    values = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = write_idx(tmp_path / "ok.gz", b"\x00\x00\x08\x03" + np.array([2, 3, 4], ">u4").tobytes(), values.tobytes())
    np.testing.assert_array_equal(read_idx(path, (2, 3, 4)), values)


@pytest.mark.parametrize(
    "header, data, message",
    [
        (b"\x00\x00\x0d\x01" + np.array([3], ">u4").tobytes(), b"abc", r"expected an IDX header 00 00 08 \(uint8\), got 00 00 0d 01"),
        (b"\x00\x00\x08\x01" + np.array([4], ">u4").tobytes(), b"abcd", r"expected an array of shape \[3\], the header says \[4\]"),
        (b"\x00\x00\x08\x01" + np.array([3], ">u4").tobytes(), b"ab", r"expected 3 bytes of data after the header, got 2 \(truncated"),
        (b"", b"", "got an empty file"),
    ],
    ids=["not-uint8", "wrong-shape", "truncated", "empty"],
)
def test_damaged_files_name_what_was_expected(tmp_path, header, data, message):
    path = write_idx(tmp_path / "bad.gz", header, data)
    with pytest.raises(IdxError, match=message):
        read_idx(path, (3,))


def test_a_file_that_is_not_gzip_is_named(tmp_path):
    path = tmp_path / "plain.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(IdxError, match=r"plain.gz: expected a gzipped IDX file, could not read it"):
        read_idx(path, (3,))
