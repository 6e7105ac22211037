"""Measures XLA compilation from JAX's own monitoring events, without changing how steps run."""

import collections
import threading

import jax.monitoring

_PHASES = {
    "/jax/core/compile/jaxpr_trace_duration": "trace",
    "/jax/core/compile/jaxpr_to_mlir_module_duration": "lower",
    "/jax/core/compile/backend_compile_duration": "compile",
}
_active_logs: list["CompilationLog"] = []
_lock = threading.Lock()
_listening = False


def _on_duration(event: str, seconds: float, **kwargs) -> None:
    phase = _PHASES.get(event)
    if phase is None:
        return
    function = kwargs.get("fun_name", "")
    with _lock:
        for log in _active_logs:
            log._record(function, phase, seconds)


def _listen() -> None:
    """Registers the one listener all logs share, the first time a log is opened (not at import)."""
    global _listening
    if not _listening:
        jax.monitoring.register_event_duration_secs_listener(_on_duration)
        _listening = True


class CompilationLog:
    """Records tracing, lowering and compilation inside a ``with`` block.

    >>> with CompilationLog() as log:
    ...     train_step(state, batch)
    >>> log.seconds("train_step"), log.compiles("train_step")
    """

    def __init__(self) -> None:
        self._seconds: dict[str, float] = collections.defaultdict(float)
        self._compiles: dict[str, int] = collections.defaultdict(int)

    def _record(self, function: str, phase: str, seconds: float) -> None:
        self._seconds[function] += seconds
        if phase == "compile":
            self._compiles[function] += 1

    def __enter__(self) -> "CompilationLog":
        with _lock:
            _listen()
            _active_logs.append(self)
        return self

    def __exit__(self, *exc_info) -> None:
        with _lock:
            _active_logs.remove(self)

    def _matching(self, table: dict, name: str | None):
        return [value for function, value in table.items() if name is None or name in function]

    def seconds(self, name: str | None = None) -> float:
        """Trace + lower + compile seconds of functions whose name contains ``name`` (all if None)."""
        return sum(self._matching(self._seconds, name))

    def compiles(self, name: str | None = None) -> int:
        """How many XLA compilations of functions whose name contains ``name`` (all if None)."""
        return sum(self._matching(self._compiles, name))
