"""How many cores an entry's train step keeps busy, and what two half batches from two threads take.

    PYTHONPATH=. python benchmarks/cores_busy.py fashion_simple_cnn kjv_char_lstm numbers_en_fr \
        names_tutorial_rnn --json zoo/published/bench/cpu/cores_busy.json

For each entry, on the training split's first rows: the step at the entry's batch size, timed
over ``--steps`` steps after a warm-up, and the process's CPU time over the same wall time
(``cores busy``: 2.0 means both cores of a 2-core machine all the time). Then two runs of the
same entry at half the batch size, each stepped from a thread of its own at once: the time of
a pair of half-batch steps against one whole-batch step says what splitting each batch over
the cores (data parallelism over host threads) would gain, before the cost of adding the two
halves' gradients. Medians of ``--repeats``.
"""

import resource
import statistics
import threading
import time

from benchmarks import entry_rows


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(run, steps: int) -> tuple[float, float]:
    """``(seconds per step, cores busy)`` of ``run(steps)``."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    run(steps)
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    return wall / steps, cpu / wall


def measure(entry: str, steps: int, repeats: int) -> dict:
    import jax

    from jax_zoo.api.build import build
    from jax_zoo.datasets import load_dataset

    whole = build(entry, {"seed": 0}, batch_parts=1)
    batch_size = whole.experiment.batch_size
    train = load_dataset(whole.experiment.dataset, whole.experiment.train_split)
    halves = [build(entry, {"seed": seed, "batch_size": batch_size // 2}, batch_parts=1) for seed in (0, 1)]
    states = {"whole": whole.state, 0: halves[0].state, 1: halves[1].state}

    def stepper(key, built, rows):
        batch = {name: values[:rows] for name, values in train.items()}

        def run(count):
            for _ in range(count):
                states[key], metrics = built.train_step(states[key], batch)
            jax.block_until_ready(metrics)
        return run

    one = stepper("whole", whole, batch_size)
    half = [stepper(index, built, batch_size // 2) for index, built in enumerate(halves)]

    def both_halves(count):
        threads = [threading.Thread(target=run, args=(count,)) for run in half]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    for run in (one, *half):
        run(2)  # compile and warm up
    rows = {"whole": [], "halves": []}
    for _ in range(repeats):
        rows["whole"].append(timed(one, steps))
        rows["halves"].append(timed(both_halves, steps))
    seconds = {name: statistics.median(s for s, _ in values) for name, values in rows.items()}
    return {
        "entry": entry, "batch_size": batch_size, "implementation": whole.implementation,
        "step_ms": round(1e3 * seconds["whole"], 1),
        "cores_busy": round(statistics.median(c for _, c in rows["whole"]), 2),
        "two_half_steps_ms": round(1e3 * seconds["halves"], 1),
        "two_half_steps_cores_busy": round(statistics.median(c for _, c in rows["halves"]), 2),
        "speedup_of_halves": round(seconds["whole"] / seconds["halves"], 2),
    }


def line(row: dict) -> str:
    return (f"{row['entry']}: {row['step_ms']} ms a step at batch {row['batch_size']}, {row['cores_busy']} cores busy; "
            f"two half batches from two threads {row['two_half_steps_ms']} ms ({row['speedup_of_halves']}x)")


if __name__ == "__main__":
    entry_rows.main(__doc__, __file__, {"steps": 10, "repeats": 3}, measure, line)
