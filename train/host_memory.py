"""Optional glibc malloc settings under which XLA's CPU buffers are reused, not faulted in afresh.

XLA's CPU runtime allocates each call's temporary buffer and outputs when the call starts and
frees them when it ends, a hundred megabytes or more for a CNN or LSTM train step. glibc hands
blocks that large out as fresh ``mmap`` regions and unmaps them on free (a thread other than the
main one always does: its heaps are capped at 64 MB), so every step faults in tens of thousands
of new pages.

With ``ZOO_REUSE_HOST_MEMORY=1`` in the environment, ``apply_if_requested()`` (the ``zoo`` command
calls it) calls ``mallopt`` so that every thread allocates from the main heap
(``M_ARENA_MAX=1``), large blocks come from that heap too (``M_MMAP_MAX=0``), and freed memory
stays with the process (``M_TRIM_THRESHOLD`` at its maximum): after the first few steps, a step
reuses the pages of the one before. All three are needed. It is off by default because it costs
elsewhere: XLA's compiler threads then share one malloc lock, so compiles are slower, and the
process keeps the memory it frees (its resident size stays at its peak). PyTorch's CPU steps
gain from the same settings, so ``zoo bench`` applies them to both sides alike. The
measurements are in docs/performance.md.

Threads that allocated before the call keep their own heaps, so set the variable before
Python starts and call it before other libraries start threads. Only glibc
(Linux) has ``mallopt``; elsewhere the variable changes nothing.
"""

import ctypes
import ctypes.util
import os
import platform

REQUEST_VARIABLE = "ZOO_REUSE_HOST_MEMORY"
"""``ZOO_REUSE_HOST_MEMORY=1`` asks ``apply_if_requested()`` to apply ``SETTINGS``."""
# mallopt parameter numbers, from glibc's <malloc.h>.
M_TRIM_THRESHOLD, M_MMAP_MAX, M_ARENA_MAX = -1, -4, -8
SETTINGS = {  # name: (mallopt parameter, value)
    "M_ARENA_MAX": (M_ARENA_MAX, 1),
    "M_MMAP_MAX": (M_MMAP_MAX, 0),
    "M_TRIM_THRESHOLD": (M_TRIM_THRESHOLD, 2**31 - 1),
}
"""What ``apply_if_requested()`` sets: name -> (``mallopt`` parameter, value)."""

_applied: dict[str, int] = {}


def _mallopt():
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    return getattr(libc, "mallopt", None)


def apply_if_requested() -> dict[str, int]:
    """Sets ``SETTINGS`` through glibc's ``mallopt`` when ``ZOO_REUSE_HOST_MEMORY=1``; returns what it set."""
    if os.environ.get(REQUEST_VARIABLE, "0") != "1":
        return {}
    mallopt = _mallopt()
    if mallopt is None:
        return {}
    for name, (parameter, value) in SETTINGS.items():
        if mallopt(parameter, value) == 1:  # 1 on success, 0 on error
            _applied[name] = value
    return dict(_applied)


def applied_settings() -> dict[str, int]:
    """The malloc settings this package set in this process (empty when none)."""
    return dict(_applied)
