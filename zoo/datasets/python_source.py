"""The fallback corpus of the character language model: the Python standard library's source.

Used when Debian's ``sword-text-kjv`` is not installed. It has the KJV dataset's window length
and split sizes (so an entry's schedule is unchanged) but its own vocabulary and text: numbers
measured on it are not KJV numbers.
"""

import sysconfig
from pathlib import Path

import jax
import numpy as np

from jax_zoo.datasets import kjv
from jax_zoo.datasets.char_vocabulary import CharVocabulary, next_character_windows
from jax_zoo.datasets.registry import Arrays, register_dataset
from jax_zoo.datasets.tfds_local import prepare, read_split
from jax_zoo.core.errors import ZooError

VOCABULARY = CharVocabulary("\t\n" + "".join(chr(code) for code in range(32, 127)))
"""Tab, newline and printable ASCII; anything else reads as the unknown symbol."""
_SKIPPED_PARTS = {"test", "tests", "idlelib", "site-packages", "__pycache__"}


def stdlib_modules(root: Path | None = None) -> list[Path]:
    """The standard library's ``.py`` files, sorted, without tests, IDLE and installed packages."""
    root = Path(root or sysconfig.get_paths()["stdlib"])
    return sorted(
        path for path in root.rglob("*.py")
        if not _SKIPPED_PARTS & set(path.relative_to(root).parts)
    )


SPLIT_SIZES = {"train": 28179, "validation": 1465, "test": 2804}


@register_dataset(
    "python_source",
    example_spec={
        "inputs": jax.ShapeDtypeStruct((kjv.WINDOW,), np.int32),
        "targets": jax.ShapeDtypeStruct((kjv.WINDOW,), np.int32),
    },
    split_sizes=SPLIT_SIZES,
    num_classes=VOCABULARY.size,
)
def load_python_source_split(split: str, directory: Path) -> Arrays:
    """Python standard library source, 128-character windows (the first windows of each split,
    as many as the KJV has): the corpus used when sword-text-kjv is absent."""
    from jax_zoo.datasets.builders.python_source import PythonStdlibSource  # imports TFDS, only when data is read

    records = read_split(prepare(PythonStdlibSource, directory), split, order_key="module")
    text = "\n".join(text.decode("utf-8") for text in records["text"])
    windows = next_character_windows(VOCABULARY.encode(text), kjv.WINDOW)
    if len(windows["targets"]) < SPLIT_SIZES[split]:
        raise ZooError(
            f"python_source {split}: expected at least {SPLIT_SIZES[split]} windows of source, "
            f"got {len(windows['targets'])} from this Python's standard library"
        )
    return {name: value[: SPLIT_SIZES[split]] for name, value in windows.items()}
