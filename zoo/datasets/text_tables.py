"""Tables of one's own texts: a TSV or CSV file of two named columns, read with checks.

A ``.csv`` file is comma-separated (quoted fields as the ``csv`` module reads them); any other
(``.tsv``, ``.txt``) is tab-separated, unquoted, so a text may hold quotes. The first line is a
header when it names the columns (``text`` and ``label``, or ``source`` and ``target``, in any
order, other columns ignored); otherwise every line holds exactly the two fields, in that order.
Every line must hold both fields, non-empty: an empty line, a missing column or a line with
another number of fields is an error naming its line.

A folder holding ``train.tsv`` and ``test.tsv`` (``validation.tsv`` optional; or ``.csv``) is a
table already split.
"""

import csv
import dataclasses
import io
import os
from pathlib import Path

from jax_zoo.core.errors import DataError
from jax_zoo.datasets.own_data import SPLITS, file_digest

SUFFIXES = (".tsv", ".csv", ".txt")


@dataclasses.dataclass(frozen=True)
class Row:
    file: str
    """The table's file name."""
    line: int
    """Its line in the file, from 1."""
    first: str
    second: str


def table_files(path: str | os.PathLike) -> dict[str | None, Path]:
    """``{None: path}`` for one table, ``{split: file}`` for a folder of split tables."""
    path = Path(path).resolve()
    if path.is_file():
        return {None: path}
    if not path.is_dir():
        raise DataError(f"{path}: no such file or folder; expected a TSV or CSV file, or a folder of train.tsv and test.tsv")
    found = {}
    for split in SPLITS:
        candidates = [path / f"{split}{suffix}" for suffix in SUFFIXES if (path / f"{split}{suffix}").is_file()]
        if len(candidates) > 1:
            raise DataError(f"{path}: {' and '.join(c.name for c in candidates)}; expected one table per split")
        if candidates:
            found[split] = candidates[0]
    if not {"train", "test"} <= set(found):
        raise DataError(
            f"{path}: holds no train and test tables; expected a TSV or CSV file, or a folder of train.tsv and "
            f"test.tsv (validation.tsv optional)"
        )
    return found


def read_table(path: Path, columns: tuple[str, str]) -> tuple[list[Row], str]:
    """The rows of ``path`` (``columns`` named in a header, or in that order) and the file's
    digest; ``DataError`` for an unreadable, empty or malformed table, naming the line."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DataError(f"{path}, line {line}: not UTF-8 text ({error.reason}); expected a UTF-8 TSV or CSV file") from None
    comma = path.suffix.lower() == ".csv"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="," if comma else "\t",
                        quoting=csv.QUOTE_MINIMAL if comma else csv.QUOTE_NONE)
    separator = "a comma" if comma else "a tab"
    rows, positions = [], None
    for fields in reader:
        line = reader.line_num
        if not any(field.strip() for field in fields):
            raise DataError(
                f"{path}, line {line}: an empty line; expected {columns[0]}{', ' if comma else '<TAB>'}{columns[1]} "
                f"on every line (remove empty lines)"
            )
        if positions is None:
            positions = _header_positions(path, fields, columns)
            if positions is not None:
                continue
            positions = (0, 1)
        if positions == (0, 1) and len(fields) != 2:
            raise DataError(
                f"{path}, line {line}: {len(fields)} field(s); expected 2 ({columns[0]} and {columns[1]}) separated "
                f"by {separator}, or a header naming the columns"
            )
        if max(positions) >= len(fields):
            raise DataError(f"{path}, line {line}: {len(fields)} field(s); the header names {max(positions) + 1} or more")
        first, second = (fields[position].strip() for position in positions)
        for name, value in zip(columns, (first, second)):
            if not value:
                raise DataError(f"{path}, line {line}: an empty {name}; expected a non-empty {name} on every line")
        rows.append(Row(path.name, line, first, second))
    if not rows:
        raise DataError(f"{path}: no rows; expected lines of {columns[0]} and {columns[1]}")
    return rows, file_digest(data)


def _header_positions(path: Path, fields: list[str], columns: tuple[str, str]) -> tuple[int, int] | None:
    """The columns' positions when ``fields`` is a header naming them, else None (a data row);
    ``DataError`` for a header that names some of them only."""
    names = [field.strip().lower() for field in fields]
    if all(column in names for column in columns):
        return tuple(names.index(column) for column in columns)
    named = [column for column in columns if column in names]
    if named:
        missing = [column for column in columns if column not in names]
        raise DataError(
            f"{path}, line 1: the header names {', '.join(fields)} but no {' or '.join(missing)} column; expected "
            f"columns {columns[0]} and {columns[1]}"
        )
    return None
