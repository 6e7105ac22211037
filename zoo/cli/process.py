"""What the ``zoo`` command sets up for its own process before JAX starts (an import never does).

- C++ log lines of XLA and other libraries at warning level and below stay off the terminal
  (``TF_CPP_MIN_LOG_LEVEL=2``, unless you set it): they are notes for XLA's developers, such as
  the small-heap preset's "Alloc buffer size ... larger than the per-heap size limit", one line
  per buffer at every compile. ``TF_CPP_MIN_LOG_LEVEL=0 zoo ...`` shows them.
- XLA's default flags (``jax_zoo.train.xla_flags.apply_defaults``) and, with ``ZOO_REUSE_HOST_MEMORY=1``,
  glibc's malloc settings (``jax_zoo.train.host_memory``).
- JAX's persistent compilation cache in ``$XDG_CACHE_HOME/jax-zoo/xla`` (``~/.cache/...``), so a
  second run of an entry loads its compiled steps from disk (except steps compiled with the
  small-heap option, which XLA cannot serialize). ``ZOO_COMPILATION_CACHE=DIR`` puts it
  elsewhere, ``ZOO_COMPILATION_CACHE=0`` turns it off.
- TFDS's own lines are hidden where a dataset is prepared (``jax_zoo.datasets.tfds_local``).
"""

import os
import warnings
from pathlib import Path

CACHE_VARIABLE = "ZOO_COMPILATION_CACHE"
LOG_LEVEL_VARIABLE = "TF_CPP_MIN_LOG_LEVEL"
QUIET_LOG_LEVEL = "2"
"""Errors only: 0 shows every C++ log line, 1 hides information, 2 warnings too."""


def compilation_cache_dir() -> Path | None:
    """Where the compilation cache lives, or None when ``ZOO_COMPILATION_CACHE=0``."""
    setting = os.environ.get(CACHE_VARIABLE, "")
    if setting == "0":
        return None
    if setting:
        return Path(setting)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jax-zoo" / "xla"


def prepare_process() -> None:
    """The settings above, for this process; call before anything imports JAX."""
    # jaxlib reads the level once, when its C++ library loads: before the first `import jax`.
    os.environ.setdefault(LOG_LEVEL_VARIABLE, QUIET_LOG_LEVEL)
    from jax_zoo.train import host_memory, xla_flags

    xla_flags.apply_defaults()
    host_memory.apply_if_requested()
    import jax

    cache = compilation_cache_dir()
    if cache is not None:
        jax.config.update("jax_compilation_cache_dir", str(cache))
        # Every step, however quick to compile (by default JAX skips those under a second).
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        # XLA cannot serialize a step compiled with the small-heap option ("Multiple temp buffer
        # allocations"): such steps are compiled afresh each run, which is not worth a warning.
        warnings.filterwarnings("ignore", message="Error writing persistent compilation cache entry")
