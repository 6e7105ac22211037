"""An entry's train step on the whole batch against the same step in batch parts.

    PYTHONPATH=. python benchmarks/batch_parts.py numbers_en_fr names_tutorial_rnn docstring_summary \
        bible_en_es names_bilstm kjv_char_lstm --json zoo/published/bench/cpu/batch_parts.json

For each entry, on the training split's first batch, in the same process and in alternating
rounds after a warm-up: the step on the whole batch (``batch_parts=1``), the step in ``--parts``
parts as training calls it (on a CPU, each part's gradient from a host thread of its own), and
the same parts in one program (``Step.jitted``, what runs where there are fewer cores than
parts). Medians of ``--repeats`` rounds, each of as many steps as the whole batch takes about
``--seconds`` to run; first calls (compilation) apart.
"""

import statistics
import time

from benchmarks import entry_rows


def measure(entry: str, parts: int, seconds: float, repeats: int) -> dict:
    import jax
    import jax.numpy as jnp

    from jax_zoo.api.build import build
    from jax_zoo.datasets import load_dataset

    sides = {"whole": build(entry, batch_parts=1), "parts": build(entry, batch_parts=parts)}
    parted = sides["parts"].train_step
    experiment = sides["whole"].experiment
    train = load_dataset(experiment.dataset, experiment.train_split)
    batch = jax.device_put({name: values[: experiment.batch_size] for name, values in train.items()})
    calls = {"whole": sides["whole"].train_step, "parts": parted, "parts_in_one_program": parted.jitted}
    states = {name: jax.tree.map(jnp.copy, sides["whole"].state) for name in calls}

    def run(name: str, count: int) -> float:
        start = time.perf_counter()
        for _ in range(count):
            states[name], metrics = calls[name](states[name], batch)
        jax.block_until_ready(metrics)
        return time.perf_counter() - start

    first = {name: run(name, 1) for name in calls}
    for name in calls:
        run(name, 2)
    steps = max(1, round(seconds / run("whole", 1)))
    times = {name: [] for name in calls}
    for _ in range(repeats):
        for name in calls:
            times[name].append(run(name, steps) / steps)
    ms = {name: 1e3 * statistics.median(values) for name, values in times.items()}
    return {
        "entry": entry, "batch_size": experiment.batch_size, "parts": parts, "threads": parted.threads,
        "steps_per_round": steps,
        "implementation": sides["whole"].implementation,
        "step_ms": {name: round(value, 2) for name, value in ms.items()},
        "first_call_seconds": {name: round(value, 2) for name, value in first.items()},
        "parts_over_whole": round(ms["whole"] / ms["parts"], 2),
        "parts_in_one_program_over_whole": round(ms["whole"] / ms["parts_in_one_program"], 2),
    }


def line(row: dict) -> str:
    ms, parts = row["step_ms"], row["parts"]
    return (f"{row['entry']}: whole batch {ms['whole']} ms, {parts} parts on {row['threads']} threads {ms['parts']} ms "
            f"({row['parts_over_whole']}x), in one program {ms['parts_in_one_program']} ms "
            f"({row['parts_in_one_program_over_whole']}x)")


if __name__ == "__main__":
    entry_rows.main(__doc__, __file__, {"parts": 2, "seconds": 1.0, "repeats": 5}, measure, line)
