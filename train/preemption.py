"""SIGTERM and SIGINT during training: finish the step, save, and exit with a distinct status.

Orbax's own preemption detection needs ``jax.distributed``; single-process runs use this.
"""

import contextlib
import signal
import threading
from collections.abc import Iterator

PREEMPTED_EXIT_STATUS = 75
"""``EX_TEMPFAIL``: the run stopped on request, its checkpoint is final; run it again to resume."""


class Preempted(Exception):
    """Training stopped on a signal after saving a finalised checkpoint."""

    def __init__(self, signal_name: str, step: int, checkpoint_dir: str | None):
        where = f"checkpoint saved in {checkpoint_dir}" if checkpoint_dir else "no workdir, nothing saved"
        super().__init__(f"{signal_name} at step {step}: {where}; run the same command again to resume")
        self.signal_name = signal_name
        self.step = step


class StopRequest:
    """Set by a signal handler; read by the fit loop between steps."""

    def __init__(self) -> None:
        self.signal_name: str | None = None

    def __bool__(self) -> bool:
        return self.signal_name is not None


@contextlib.contextmanager
def stop_on_signals(signals=(signal.SIGTERM, signal.SIGINT)) -> Iterator[StopRequest]:
    """Turns the signals into a ``StopRequest`` for the duration of the block.

    Handlers can only be installed from the main thread; elsewhere the request never fires.
    """
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return

    def handle(signum, frame):
        request.signal_name = signal.Signals(signum).name

    previous = {sig: signal.signal(sig, handle) for sig in signals}
    try:
        yield request
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
