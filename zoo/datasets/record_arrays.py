"""A split kept on disk and read by rows as training asks for them: data larger than memory.

A prepared split is a folder with one ArrayRecord file per column (``inputs.array_record``,
``targets.array_record``, ...), one record per example holding the row's raw bytes, and
``columns.json`` naming each column's dtype and row shape. ``RecordArrays`` opens it as a mapping
of columns that index like numpy arrays (``column[indices]`` reads those rows), so the harness
batches it exactly as it batches arrays in memory: the same order, a function of ``(seed, epoch)``
(``jax_zoo.train.batching``), and the same numbers. Its ``read_ahead`` reads the batches of an
epoch with Grain (a ``MapDataset`` over the batches' row indices, read by a few threads and
prefetched while the device computes the step before).

``write_record_arrays`` writes a split from rows one at a time (memory does not grow with the
count) into a temporary folder renamed into place when complete, so a folder that exists is
whole; of processes writing the same split at once, the first to finish is kept.
"""

import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

COLUMNS_FILE = "columns.json"
READ_THREADS = 2
"""Threads reading batches ahead of the step (the records are read in C++, outside the GIL)."""
PREFETCH_BATCHES = 4
"""Batches read ahead of the one the step uses."""


class RecordColumn:
    """One column of a prepared split: ``<dtype>[count, *row_shape]``, read by rows on indexing."""

    def __init__(self, paths: Sequence[Path], dtype: np.dtype, row_shape: tuple[int, ...], count: int):
        self.paths, self.dtype, self.row_shape, self.count = list(paths), np.dtype(dtype), tuple(row_shape), count
        self._source = None

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.count, *self.row_shape)

    @property
    def ndim(self) -> int:
        return 1 + len(self.row_shape)

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, key) -> np.ndarray:
        if isinstance(key, slice):
            return self.rows(np.arange(self.count)[key])
        indices = np.asarray(key)
        if indices.dtype == bool:
            return self.rows(np.flatnonzero(indices))
        if indices.ndim == 0:
            return self.rows(indices.reshape(1))[0]
        return self.rows(indices)

    def rows(self, indices: np.ndarray) -> np.ndarray:
        """``<dtype>[*indices.shape, *row_shape]``: the rows at ``indices`` (negative ones count from the end)."""
        indices = np.asarray(indices, np.int64)
        flat = np.where(indices < 0, indices + self.count, indices).reshape(-1)
        if flat.size and (flat.min() < 0 or flat.max() >= self.count):
            raise IndexError(f"row index out of range for a column of {self.count} rows")
        records = self.source().__getitems__(flat.tolist()) if flat.size else []
        out = np.frombuffer(b"".join(records), self.dtype) if records else np.zeros(0, self.dtype)
        return out.reshape(*indices.shape, *self.row_shape)

    def source(self):
        if self._source is None:
            from array_record.python.array_record_data_source import ArrayRecordDataSource

            self._source = ArrayRecordDataSource([os.fspath(path) for path in self.paths])
        return self._source

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """Every row in memory (e.g. the labels for a confusion matrix)."""
        whole = self.rows(np.arange(self.count))
        return whole if dtype is None else whole.astype(dtype)

    def setflags(self, **flags) -> None:
        """Records are read-only already (``numpy.ndarray.setflags``'s signature, for the loaders' callers)."""

    def __repr__(self) -> str:
        return f"RecordColumn({self.dtype.name}{list(self.shape)}, {len(self.paths)} file(s))"


class RecordArrays(Mapping[str, RecordColumn]):
    """A prepared split's columns by name; ``read_ahead`` streams batches of rows."""

    def __init__(self, columns: Mapping[str, RecordColumn]):
        self.columns = dict(columns)

    @classmethod
    def open(cls, folder: str | os.PathLike) -> "RecordArrays":
        folder = Path(folder)
        spec = json.loads((folder / COLUMNS_FILE).read_text())
        return cls({
            name: RecordColumn([folder / f"{name}.array_record"], column["dtype"], tuple(column["shape"]), spec["count"])
            for name, column in spec["columns"].items()
        })

    @classmethod
    def joined(cls, parts: Sequence["RecordArrays"]) -> "RecordArrays":
        """The rows of ``parts`` one after another (``"train+validation"``), read from their files."""
        first = parts[0]
        if any(set(part) != set(first) for part in parts):
            raise ValueError(f"cannot join splits with different columns: {[sorted(part) for part in parts]}")
        return cls({
            name: RecordColumn(
                [path for part in parts for path in part[name].paths], first[name].dtype, first[name].row_shape,
                sum(len(part[name]) for part in parts),
            )
            for name in first
        })

    def __getitem__(self, name: str) -> RecordColumn:
        return self.columns[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def take(self, indices: np.ndarray) -> dict[str, np.ndarray]:
        """Every column's rows at ``indices`` (any shape): one batch."""
        return {name: column.rows(indices) for name, column in self.columns.items()}

    def read_ahead(self, index_batches: Sequence[np.ndarray]) -> Iterator[dict[str, np.ndarray]]:
        """The batches of rows ``index_batches[0]``, ``index_batches[1]``, ... in that order, read
        by Grain's threads ahead of the consumer."""
        import grain

        if not index_batches:
            return iter(())
        batches = grain.MapDataset.source(list(index_batches)).map(self.take)
        return iter(batches.to_iter_dataset(grain.ReadOptions(num_threads=READ_THREADS, prefetch_buffer_size=PREFETCH_BATCHES)))

    def __repr__(self) -> str:
        return f"RecordArrays({', '.join(f'{name}: {column!r}' for name, column in self.columns.items())})"


def write_record_arrays(folder: str | os.PathLike, rows: Iterable[Mapping[str, np.ndarray]]) -> RecordArrays:
    """Writes ``rows`` (dicts of numpy rows, every one with the same keys, shapes and dtypes) as a
    prepared split at ``folder`` and opens it. Nothing is left at ``folder`` when ``rows`` raises
    or a row does not match the first (``ValueError`` naming the row and both shapes)."""
    from array_record.python.array_record_module import ArrayRecordWriter

    folder = Path(folder)
    partial = folder.with_name(f".{folder.name}.partial-{uuid.uuid4().hex[:8]}")
    partial.mkdir(parents=True)
    writers, spec, count = {}, {}, 0
    try:
        for row in rows:
            if not writers:
                spec = {name: {"dtype": np.asarray(value).dtype.str, "shape": list(np.shape(value))} for name, value in row.items()}
                # group_size:1 stores each record alone, so one row is read without its neighbours.
                writers = {name: ArrayRecordWriter(os.fspath(partial / f"{name}.array_record"), "group_size:1") for name in row}
            for name, value in row.items():
                value = np.asarray(value)
                expected = spec.get(name)
                if expected is None or list(value.shape) != expected["shape"] or value.dtype.str != expected["dtype"]:
                    raise ValueError(
                        f"row {count}: {name} is {value.dtype.name}{list(value.shape)}; expected "
                        f"{np.dtype(expected['dtype']).name}{expected['shape']} like row 0" if expected else
                        f"row {count}: column {name!r} is not in row 0 ({sorted(spec)})"
                    )
                writers[name].write(np.ascontiguousarray(value).tobytes())
            count += 1
        for writer in writers.values():
            writer.close()
        writers = {}
        if count == 0:
            raise ValueError(f"{folder}: no rows to write; expected at least one example")
        (partial / COLUMNS_FILE).write_text(json.dumps({"count": count, "columns": spec}, indent=1))
        try:
            partial.rename(folder)
        except OSError:
            if not (folder / COLUMNS_FILE).is_file():
                raise
            shutil.rmtree(partial)  # another process (of a multi-process run) wrote the same rows first
    except BaseException:
        for writer in writers.values():
            writer.close()
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return RecordArrays.open(folder)
