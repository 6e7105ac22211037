"""A PyTorch twin timed in a process of its own, answering each round's step count with its seconds.

In the same process as JAX, PyTorch's OpenMP threads and XLA's thread pool get in each other's
way (PyTorch's SimpleCNN step ran about 4x slower there than alone), which would flatter JAX.
The child is started with ``spawn`` (no state shared with JAX); it inherits the environment, so
``jax_zoo.train.host_memory``'s optional malloc settings apply to both sides alike, and reports
what it ran with.
"""

import dataclasses
import multiprocessing
import statistics
import time
from typing import Any

import numpy as np

from jax_zoo.bench.torch_recipes import TorchRecipe
from jax_zoo.train import host_memory

MEASURES = ("train_step", "greedy_decode")


@dataclasses.dataclass(frozen=True)
class TwinTask:
    """What the child times: ``measure`` of the twin of flax ``model`` on one batch.

    ``"train_step"`` trains on ``inputs``/``targets`` with ``recipe`` (its schedule spread over
    ``total_steps``); ``"greedy_decode"`` decodes the ``inputs`` source ids to at most
    ``max_length`` tokens. ``compile_mode`` None is eager PyTorch, else a ``torch.compile`` mode.
    With ``gpu`` (JAX runs on a GPU) the twin runs on CUDA when torch has it, else on the CPU.
    """

    measure: str
    model: Any
    input_shape: tuple[int, ...]
    inputs: np.ndarray
    targets: np.ndarray | None = None
    recipe: TorchRecipe | None = None
    total_steps: int = 1
    steps_per_epoch: int = 1
    max_length: int = 0
    warmup: int = 5
    compile_mode: str | None = None
    gpu: bool = False

    @property
    def side(self) -> str:
        """The row's name: ``torch eager`` or ``torch.compile MODE``."""
        return "torch eager" if self.compile_mode is None else f"torch.compile {self.compile_mode}"


def torch_matmul_peak_gflops(device: str, size: int = 2048, repeats: int = 5) -> float:
    """Measured float32 ``size`` x ``size`` matmul throughput of PyTorch on ``device`` (GFLOP/s, median)."""
    import torch

    a = torch.ones(size, size, device=device)

    def seconds() -> float:
        start = time.perf_counter()
        a @ a
        if device == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - start

    seconds()
    return 2 * size**3 / statistics.median(seconds() for _ in range(repeats)) / 1e9


def _prepare(task: TwinTask, device: str):
    """The function one call of which the rounds time."""
    import torch

    from jax_zoo.bench.torch_training import greedy_decoding, train_step
    from jax_zoo.bench.torch_twins import twin_network

    torch.manual_seed(0)
    network = twin_network(task.model, task.input_shape)
    if task.measure == "train_step":
        return train_step(
            network, task.recipe, task.inputs, task.targets, total_steps=task.total_steps,
            steps_per_epoch=task.steps_per_epoch, compile_mode=task.compile_mode, device=device,
        )
    return greedy_decoding(network, task.inputs, task.max_length, compile_mode=task.compile_mode, device=device)


def _worker(connection, task: TwinTask) -> None:
    host_memory.apply_if_requested()  # the parent's malloc settings, before torch starts its threads
    try:
        import torch

        device = "cuda" if task.gpu and torch.cuda.is_available() else "cpu"

        def timed(count: int, result: Any = None) -> tuple[float, Any]:
            start = time.perf_counter()
            for _ in range(count):
                result = run()
            if device == "cuda":
                torch.cuda.synchronize()
            return time.perf_counter() - start, result

        run = _prepare(task, device)
        first_call_seconds, result = timed(1)
        warmup_seconds, result = timed(max(task.warmup - 1, 0), result)
        connection.send({
            "version": torch.__version__, "threads": torch.get_num_threads(),
            "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
            "malloc_settings": host_memory.applied_settings(),
            "first_call_seconds": first_call_seconds, "warmup_seconds": warmup_seconds,
            "peak_gflops": torch_matmul_peak_gflops(device),
            **({"decoded_steps": result} if task.measure == "greedy_decode" else {}),
        })
    except Exception as error:  # reported as the row's error: the other rows still run
        connection.send({"error": f"{type(error).__name__}: {error}"})
        return
    while (count := connection.recv()) is not None:
        connection.send(timed(count)[0])


class TorchProcess:
    """The twin of ``task`` in a child process: ``info`` is what it reported after its warm-up
    (versions, device, first call and peak, or ``error``); ``time(n)`` runs ``n`` calls."""

    def __init__(self, task: TwinTask):
        self.task = task
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_worker, args=(child, task), daemon=True)
        self._process.start()
        child.close()  # so that a child that dies is seen as the end of the pipe
        try:
            self.info: dict[str, Any] = self._connection.recv()
        except EOFError:
            self.info = {"error": f"the PyTorch process ended with exit status {self._process.exitcode}"}

    @property
    def ok(self) -> bool:
        return "error" not in self.info

    def time(self, count: int) -> float:
        self._connection.send(count)
        return self._connection.recv()

    def close(self) -> None:
        if self.ok and self._process.is_alive():
            self._connection.send(None)
        self._process.join(timeout=30)
