"""A tiny entry on an in-memory dataset, and ``zoo`` commands run in forked processes.

``tiny_mlp`` trains in about a second (3 epochs of 12 steps on 192 images of 8x8), with the
knobs the harness tests need: dropout, augmentation, BatchNorm, a moving average, early stopping
and a checkpoint every few steps. Importing this module registers it (dataset ``tiny_blobs``).

``Launcher`` starts one process that imports the zoo once and forks a child per command: the
child runs ``jax_zoo.cli.main`` as the console script does, optionally killing itself with SIGKILL
at an event counted in that child (``KillPoint``), so dozens of crash trials cost no imports.
"""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import flax.linen as nn
import jax
import numpy as np
import optax

from jax_zoo.train import CheckpointPolicy, EarlyStoppingPolicy, accuracy, softmax_cross_entropy
from jax_zoo.train.augment import image_augment
from jax_zoo.core.experiment import Experiment
from jax_zoo.core.registry import register
from jax_zoo.datasets.registry import register_dataset

SPLIT_SIZES = {"train": 192, "validation": 64, "test": 64}
NUM_CLASSES = 4


def blobs(split: str) -> dict[str, np.ndarray]:
    """Class ``c`` brightens quadrant ``c`` of an 8x8 noise image; seeded per split."""
    rng = np.random.default_rng(list(SPLIT_SIZES).index(split))
    size = SPLIT_SIZES[split]
    targets = np.arange(size, dtype=np.int32) % NUM_CLASSES
    rng.shuffle(targets)
    images = rng.uniform(0, 0.6, size=(size, 8, 8, 1)).astype(np.float32)
    for index, target in enumerate(targets):
        row, column = divmod(int(target), 2)
        images[index, 4 * row : 4 * row + 4, 4 * column : 4 * column + 4] += 0.4
    return {"inputs": images, "targets": targets}


@register_dataset(
    "tiny_blobs",
    example_spec={"inputs": jax.ShapeDtypeStruct((8, 8, 1), np.float32), "targets": jax.ShapeDtypeStruct((), np.int32)},
    split_sizes=SPLIT_SIZES,
    num_classes=NUM_CLASSES,
)
def load_tiny_blobs(split: str, directory: Path) -> dict[str, np.ndarray]:
    """Four bright quadrants in noise, 8x8x1: 192 train / 64 validation / 64 test (tests only)."""
    return blobs(split)


class TinyMLP(nn.Module):
    dropout: float = 0.0
    batch_norm: bool = False

    @nn.compact
    def __call__(self, x, train: bool = False):
        x = nn.Dense(16)(x.reshape(x.shape[0], -1))
        if self.batch_norm:
            x = nn.BatchNorm(use_running_average=not train, momentum=0.9)(x)
        x = nn.relu(x)
        x = nn.Dropout(self.dropout, deterministic=not train)(x)
        return nn.Dense(NUM_CLASSES)(x)


@register
def tiny_mlp(
    *,
    learning_rate: float = 0.01,
    batch_size: int = 16,
    epochs: int = 3,
    seed: int = 0,
    dropout: float = 0.0,
    augment: bool = False,
    batch_norm: bool = False,
    ema_decay: float = 0.0,
    every_steps: int = 5,
    patience: int = -1,
    nan_policy: str = "fail",
) -> Experiment:
    """A two-layer MLP on ``tiny_blobs``, for the harness's tests (``patience >= 0``: early stopping)."""
    return Experiment(
        model=TinyMLP(dropout=dropout, batch_norm=batch_norm),
        optimizer=optax.adam(learning_rate),
        loss=softmax_cross_entropy,
        metrics={"accuracy": accuracy},
        dataset="tiny_blobs",
        batch_size=batch_size,
        epochs=epochs,
        seed=seed,
        eval_batch_size=64,
        augment=image_augment(crop_padding=1, flip=True, noise_std=0.05) if augment else None,
        nan_policy=nan_policy,
        ema_decay=ema_decay or None,
        early_stopping=EarlyStoppingPolicy(metric="eval_loss", patience=patience) if patience >= 0 else None,
        checkpoint_policy=CheckpointPolicy(every_epochs=1, every_steps=every_steps, keep=2),
    )


@dataclasses.dataclass(frozen=True)
class KillPoint:
    """SIGKILL the child at the ``count``-th ``event`` it reaches, ``delay`` seconds later.

    ``step``: a train step dispatched (its computation may still be running); ``save``: a
    checkpoint save started (orbax writes it in the background); ``test``: the test split's
    evaluation starting after training; ``results``: ``results.json`` half written to its
    temporary file.
    """

    event: str
    count: int = 1
    delay: float = 0.0

    def __str__(self) -> str:
        return f"{self.event} {self.count} +{self.delay * 1000:.0f} ms"


_delayed_kill = threading.Event()
"""Set once a kill is on its way in another thread: the child then never writes ``results.json``
nor exits normally, so a run quicker than the delay still dies (before it has finished)."""


def _die_later(delay: float) -> None:
    _delayed_kill.set()
    threading.Thread(target=_die, args=(delay,), daemon=True).start()


def _die(delay: float) -> None:
    if delay:
        time.sleep(delay)
    os.kill(os.getpid(), signal.SIGKILL)


def _install(kill: KillPoint) -> None:
    """Patches the zoo in this (child) process so that it dies at ``kill``."""
    import jax_zoo.train.checkpoints
    import jax_zoo.api.train as jobs_train
    import jax_zoo.api.workdir as workdir_files

    seen = {"count": 0}

    def reached() -> bool:
        seen["count"] += 1
        return seen["count"] == kill.count

    if kill.event == "step":
        build_from_config = jobs_train.build_from_config

        class CountedStep:
            def __init__(self, step):
                self._step = step

            def __getattr__(self, name):
                return getattr(self._step, name)

            def __call__(self, state, batch):
                result = self._step(state, batch)
                if reached():
                    _die(kill.delay)
                return result

        def build_counted(entry, config, *args, **kwargs):
            built = build_from_config(entry, config, *args, **kwargs)
            return dataclasses.replace(built, train_step=CountedStep(built.train_step))

        jobs_train.build_from_config = build_counted
    elif kill.event == "save":
        save = jax_zoo.train.checkpoints.Checkpoints.save

        def save_then_die(self, step, tree, record):
            save(self, step, tree, record)
            if reached():  # the write continues in orbax's threads while this one sleeps
                _die_later(kill.delay)

        jax_zoo.train.checkpoints.Checkpoints.save = save_then_die
    elif kill.event == "test":
        test_report = jobs_train.test_report

        def report_then_die(*args, **kwargs):
            if reached():
                _die_later(kill.delay)
            return test_report(*args, **kwargs)

        jobs_train.test_report = report_then_die
    elif kill.event == "results":
        write_json_atomic = workdir_files.write_json_atomic

        def half_write_then_die(path, payload):
            if Path(path).name != "results.json" or not reached():
                return write_json_atomic(path, payload)
            text = json.dumps(payload)
            # As write_json_atomic names its temporary file, killed before its rename.
            with tempfile.NamedTemporaryFile("w", dir=Path(path).parent, prefix=".results.json.", delete=False) as file:
                file.write(text[: len(text) // 2])
                file.flush()
                _die(0.0)

        workdir_files.write_json_atomic = half_write_then_die
    else:
        raise ValueError(f"unknown kill event {kill.event!r}")
    write_results = workdir_files.write_json_atomic

    def wait_for_a_pending_kill_then_write(path, payload):
        if Path(path).name == "results.json" and _delayed_kill.is_set():
            threading.Event().wait()
        return write_results(path, payload)

    workdir_files.write_json_atomic = wait_for_a_pending_kill_then_write


def _child(argv: list[str], kill: KillPoint | None, log: str) -> None:
    descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    try:
        from jax_zoo.cli import main

        if kill is not None:
            _install(kill)
        code = main(argv)
        if _delayed_kill.is_set():
            _die(0.0)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 3
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _serve() -> None:
    """Reads one JSON request a line (argv, kill, log), forks, answers with the child's status."""
    import jax_zoo.cli.process  # noqa: F401  (everything a `zoo train` imports, once, before any fork)
    import jax_zoo.cli.train  # noqa: F401
    import jax_zoo.api.train  # noqa: F401

    for line in sys.stdin:
        request = json.loads(line)
        kill = KillPoint(**request["kill"]) if request.get("kill") else None
        pid = os.fork()
        if pid == 0:
            _child(request["argv"], kill, request["log"])
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(json.dumps({"status": code}), flush=True)


class Launcher:
    """A server process that runs ``zoo`` commands in forked children: ``run(argv, kill)`` returns
    ``(status, output)``, status ``-9`` for a child killed by SIGKILL."""

    def __init__(self, log_dir: Path, env: dict[str, str] | None = None):
        self.log_dir = log_dir
        self.runs = 0
        tests = str(Path(__file__).parent)
        environment = {**os.environ, **(env or {})}
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [tests, environment.get("PYTHONPATH")]))
        self._process = subprocess.Popen(
            [sys.executable, "-c", "import tiny_zoo; tiny_zoo._serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=environment,
        )

    def run(self, argv: list[str], kill: KillPoint | None = None) -> tuple[int, str]:
        self.runs += 1
        log = self.log_dir / f"run{self.runs}.log"
        request = {"argv": argv, "kill": dataclasses.asdict(kill) if kill else None, "log": str(log)}
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        answer = self._process.stdout.readline()
        if not answer:
            raise RuntimeError(f"the launcher died (exit {self._process.wait()})")
        return json.loads(answer)["status"], log.read_text()

    def close(self) -> None:
        self._process.stdin.close()
        self._process.wait(timeout=60)
