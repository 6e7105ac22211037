"""XLA flags the package sets for speed: defaults at import, and an entry's own before JAX starts.

XLA reads ``XLA_FLAGS`` once, when JAX creates its first backend, so flags can only be added
before the first computation. Importing ``train`` (and so ``zoo``) adds ``DEFAULT_FLAGS``:

- ``--xla_backend_optimization_level=1``: LLVM optimizes XLA's own generated loops less. On our
  2-core CPU the reference CNN's train step compiles in 1.06 s instead of 1.69 s and the char
  LSTM's in 1.50 s instead of 1.75 s, with the same step times (the time is spent in the
  convolution and matrix libraries, which the level does not touch); the ResNet 5.3 s vs 6.2 s.

Overriding: a flag already present in ``XLA_FLAGS`` keeps the user's value, and
``ZOO_XLA_DEFAULTS=0`` turns the package's flags (defaults and entries') off altogether.
``added_flags()`` lists what the package added, so a recorded command repeats only the user's.
"""

import os
import warnings
from collections.abc import Iterable

DEFAULT_FLAGS = ("--xla_backend_optimization_level=1",)
# XLA's CPU runtime allocates a call's temporaries as one block (79 MB for the char LSTM's train
# step, 113 MB for the reference CNN's) and frees it when the call ends. glibc serves blocks over
# 32 MiB (its largest dynamic mmap threshold) with a fresh mmap each time, so every step faults
# its pages in anew. Split into heaps of at most 24 MiB, the blocks come from malloc's heap and
# are reused from one step to the next: the LSTM's page faults per step 19,400 -> 8,200 (its one
# 32 MiB buffer still gets a heap of its own), and the steps run faster (README, "XLA flags").
# Not a default: XLA warns once per compile for every buffer larger than a heap, which for some
# entries (names_bilstm, 880 MB of temporaries) means hundreds of lines. Entries ask for it.
SMALL_HEAPS = "--xla_multiheap_size_constraint_per_heap=25165824"
OPT_OUT_VARIABLE = "ZOO_XLA_DEFAULTS"

_added: list[str] = []


def _name(flag: str) -> str:
    return flag.split("=", 1)[0]


def _current() -> list[str]:
    return os.environ.get("XLA_FLAGS", "").split()


def backends_started() -> bool:
    """Whether JAX already created a backend (after which new XLA flags have no effect)."""
    from jax._src import xla_bridge

    return xla_bridge.backends_are_initialized()


def add_flags(flags: Iterable[str], *, reason: str) -> list[str]:
    """Adds to ``XLA_FLAGS`` each flag the user has not set; returns the flags it added.

    When JAX has already started, nothing changes and a warning names the flags that could not
    take effect and why they were wanted (``reason``), so a slower run is never a silent one.
    """
    if os.environ.get(OPT_OUT_VARIABLE, "1") == "0":
        return []
    current = _current()
    present = {_name(flag) for flag in current}
    missing = [flag for flag in flags if _name(flag) not in present]
    if not missing:
        return []
    if backends_started():
        warnings.warn(
            f"{reason}: XLA_FLAGS {' '.join(missing)} not applied, JAX has already started; set them "
            f"in the environment before the first JAX computation to use them",
            stacklevel=2,
        )
        return []
    os.environ["XLA_FLAGS"] = " ".join([*current, *missing])
    _added.extend(missing)
    return missing


def added_flags() -> list[str]:
    """The flags in ``XLA_FLAGS`` that this package put there (not the user)."""
    current = set(_current())
    return [flag for flag in _added if flag in current]


def without_added(flags: str, added: Iterable[str]) -> str:
    """``flags`` (an ``XLA_FLAGS`` value) less the flags in ``added``."""
    added = set(added)
    return " ".join(flag for flag in flags.split() if flag not in added)


def user_flags() -> str:
    """``XLA_FLAGS`` without the package's own additions: what a command must set to repeat a run."""
    return without_added(os.environ.get("XLA_FLAGS", ""), added_flags())


def apply_defaults() -> None:
    """Adds ``DEFAULT_FLAGS`` when JAX has not started yet; silent otherwise (a library import
    should not warn because the user's notebook ran JAX first)."""
    if not backends_started():
        add_flags(DEFAULT_FLAGS, reason="jax-zoo defaults")
