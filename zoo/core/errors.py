"""Errors a user can fix: the command line prints them as one paragraph, without a traceback."""

import difflib
from collections.abc import Iterable


class ZooError(Exception):
    """Base class of the zoo's user-facing errors."""


class UnknownNameError(ZooError, LookupError):
    """An entry, dataset or config key that is not registered."""

    def __init__(self, kind: str, name: str, known: Iterable[str], *, context: str = ""):
        known = sorted(known)
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        listing = ", ".join(known) if len(known) <= 20 else ", ".join(known[:20]) + ", ..."
        super().__init__(f"unknown {kind} {name!r}{context}.{hint} Known {kind}s: {listing}.")
        self.name = name


class ConfigError(ZooError, ValueError):
    """A config value of the wrong type or out of range."""


class DataError(ZooError):
    """Files of one's own that cannot become a dataset: an empty folder, a file that is not an
    image, a table with a missing column, labels in test that train never shows."""


class WorkdirError(ZooError):
    """A workdir that does not hold what the command needs."""


class StateDictError(ZooError):
    """PyTorch weights that do not fit a zoo model: missing, unexpected or misshapen tensors, a
    file that is not a plain ``state_dict``, or a model with no PyTorch counterpart."""
