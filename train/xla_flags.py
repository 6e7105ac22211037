"""XLA options for speed: process-wide defaults, and per-step presets for a kind of network.

XLA reads ``XLA_FLAGS`` once, when JAX creates its first backend, so flags can only be added
before the first computation. ``apply_defaults()`` adds ``DEFAULT_FLAGS`` (the ``zoo`` command
calls it; importing ``jax_zoo.train`` changes nothing):

- ``--xla_backend_optimization_level=1``: LLVM optimizes XLA's own generated loops less, so
  steps compile faster and run as fast: their time is spent in the convolution and matrix
  libraries, which the level does not touch (docs/performance.md).

An entry's own flags (``Experiment.xla_flags``) are options its jitted steps are compiled with
(``compiler_options``), not additions to ``XLA_FLAGS``: they work after JAX has started (in a
notebook), leave the user's other computations alone, and an option that this jaxlib does not
know is left out with a warning. In ``XLA_FLAGS`` it would abort the process: flags come and go
between releases (jaxlib 0.11 no longer has ``--xla_cpu_use_fusion_emitters``).

Overriding: a flag already present in ``XLA_FLAGS`` keeps the user's value, and
``ZOO_XLA_DEFAULTS=0`` turns the package's flags (defaults and entries') off altogether.
``added_flags()`` lists what the package added, so a recorded command repeats only the user's.
"""

import functools
import os
import warnings
from collections.abc import Iterable, Mapping

Option = bool | int | float | str
"""The value of one compile option, as XLA's ``compiler_options`` takes it."""

DEFAULT_FLAGS = ("--xla_backend_optimization_level=1",)
"""What ``apply_defaults()`` adds to ``XLA_FLAGS`` (each flag the user has not set)."""

# XLA's CPU runtime allocates a call's temporaries as one block and frees it when the call ends;
# glibc serves blocks over 32 MiB (its largest dynamic mmap threshold) with a fresh mmap each
# time, so every step would fault its pages in anew. In heaps of at most 24 MiB they come from
# malloc's heap and are reused from one step to the next (docs/performance.md). Not a default:
# at every compile XLA logs a warning for each buffer larger than a heap, hundreds of lines for
# the largest entries, which only the ``zoo`` command hides. Entries ask for it.
SMALL_HEAPS = "--xla_multiheap_size_constraint_per_heap=25165824"
"""Heaps of at most 24 MiB for XLA's CPU temporaries, so a step reuses the blocks of the one before."""
OPT_OUT_VARIABLE = "ZOO_XLA_DEFAULTS"
"""``ZOO_XLA_DEFAULTS=0`` turns the package's flags (defaults and entries') off."""

# The CPU options each kind of network trains fastest with (docs/performance.md has the
# measurements). One set does not fit all: turning YNNPACK off and using XLA's older fusion code
# generator speeds the plain CNN's step up and slows the LSTM's down; the BatchNorm ResNet wants
# YNNPACK for its products and reductions only.
PRESETS = {
    # Convolutions, pooling and dense layers without normalization (measured on SimpleCNN).
    "convolutions": ("--xla_cpu_experimental_ynn_fusion_type=", "--xla_cpu_use_fusion_emitters=false", SMALL_HEAPS),
    # Convolutions with BatchNorm (ResNet): YNNPACK for the products and the statistics' reductions.
    "batchnorm": (
        "--xla_cpu_experimental_ynn_fusion_type=LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT,LIBRARY_FUSION_TYPE_REDUCE",
    ),
    # LSTMs and GRUs over lax.scan: heaps of at most 24 MiB, so the per-step buffers are reused.
    "recurrent": (SMALL_HEAPS,),
}
"""Preset name -> its XLA flags; ``preset(name)`` turns them into compile options."""


def preset(name: str) -> dict[str, Option]:
    """The compile options of preset ``name`` (see ``PRESETS``) this jaxlib accepts."""
    if name not in PRESETS:
        raise ValueError(f"expected an XLA preset among {', '.join(map(repr, PRESETS))}, got {name!r}")
    return compiler_options(PRESETS[name], reason=f"the {name!r} preset asks for it")

_added: list[str] = []


def _name(flag: str) -> str:
    return flag.split("=", 1)[0]


def _current() -> list[str]:
    return os.environ.get("XLA_FLAGS", "").split()


def backends_started() -> bool:
    """Whether JAX already created a backend (after which new XLA flags have no effect)."""
    from jax._src import xla_bridge

    return xla_bridge.backends_are_initialized()


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


def apply_defaults() -> list[str]:
    """Adds to ``XLA_FLAGS`` each of ``DEFAULT_FLAGS`` the user has not set, when JAX has not
    started yet; silent otherwise (a library import should not warn because the user's notebook
    ran JAX first). Returns the flags it added."""
    if os.environ.get(OPT_OUT_VARIABLE, "1") == "0" or backends_started():
        return []
    current = _current()
    present = {_name(flag) for flag in current}
    missing = [flag for flag in DEFAULT_FLAGS if _name(flag) not in present]
    if missing:
        os.environ["XLA_FLAGS"] = " ".join([*current, *missing])
        _added.extend(missing)
    return missing


def parse_option(flag: str) -> tuple[str, Option]:
    """``"--xla_cpu_use_fusion_emitters=false"`` (the leading dashes optional) ->
    ``("xla_cpu_use_fusion_emitters", False)``; numbers become ``int`` or ``float``."""
    name, sep, text = flag.partition("=")
    name = name.strip().removeprefix("--")
    if not sep or not name.startswith("xla_"):
        raise ValueError(f"expected NAME=VALUE with an XLA option name (xla_...), got {flag!r}")
    if text.lower() in ("true", "false"):
        return name, text.lower() == "true"
    for kind in (int, float):
        try:
            return name, kind(text)
        except ValueError:
            pass
    return name, text


@functools.cache
def refusal(name: str, value: Option) -> str | None:
    """XLA's reason for refusing the compile option ``name=value``, or None when it takes it.

    Asked by compiling a one-line function with it on the default backend, once per option.
    """
    import jax
    import jax.numpy as jnp

    try:
        jax.jit(lambda x: x + 1, compiler_options={name: value}).lower(jnp.float32(0)).compile()
    except jax.errors.JaxRuntimeError as error:
        return str(error).strip().splitlines()[0]
    return None


def compiler_options(flags: Iterable[str], *, reason: str) -> dict[str, Option]:
    """The options among ``flags`` (``"--xla_NAME=VALUE"``) to compile a step with.

    Left out: all of them with ``ZOO_XLA_DEFAULTS=0``; one the user set in ``XLA_FLAGS`` (a
    compile option would override the user's value); one this jaxlib refuses, with a warning
    naming it, XLA's reason and why it was wanted (``reason``), so a slower run is never a
    silent one.
    """
    if os.environ.get(OPT_OUT_VARIABLE, "1") == "0":
        return {}
    users = {_name(flag).removeprefix("--") for flag in _current() if flag not in _added}
    options: dict[str, Option] = {}
    for flag in flags:
        name, value = parse_option(flag)
        if name in users:
            continue
        refused = refusal(name, value)
        if refused is None:
            options[name] = value
        else:
            import jax

            warnings.warn(
                f"{reason}: XLA option {name}={value!r} left out, jaxlib {jax.lib.__version__} refuses it "
                f"({refused})",
                stacklevel=2,
            )
    return options


def as_flags(options: Mapping[str, Option]) -> str:
    """``{"xla_cpu_use_fusion_emitters": False}`` -> ``"--xla_cpu_use_fusion_emitters=false"``."""
    return " ".join(
        f"--{name}={str(value).lower() if isinstance(value, bool) else value}" for name, value in options.items()
    )
