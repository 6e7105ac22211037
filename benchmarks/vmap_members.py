"""Wall time of K seeds of an entry trained as stacked runs against K runs in sequence.

    PYTHONPATH=. python benchmarks/vmap_members.py digits_cnn --members 8 --epochs 3 --repeats 3 \
        --json zoo/published/bench/vmap_digits_cnn_cpu.json

Both sides train the same K configs (seeds 0..K-1, each its own data order), evaluate on the
validation split after every epoch and write nothing. The stacked runs are timed twice: as
``fit_stacked`` chooses (on a CPU, one group of runs per core, each group's step called from a
thread of its own) and as one program (``thread_groups=1``). The sequential side reuses one
compiled train step for all K runs (its best case: separate ``zoo train`` processes would compile K
times). The three are timed alternately, ``--repeats`` times each, and the medians reported with
the load average seen around each timing, since the machine may be shared.
"""

import argparse
import os
import statistics
import time

from jax_zoo.cli.process import prepare_process


def final_metric(history):
    """``(name, value)``: the run's last validation value of its entry's first metric (accuracy, exact match, ...)."""
    return next((name.removeprefix("eval_"), value) for name, value in history[-1].items()
                if name.startswith("eval_") and name != "eval_loss")


def time_stacked(built, train, validation, epochs, thread_groups=None):
    from jax_zoo.api.stacked import stacked_states
    from jax_zoo.train import fit_stacked

    experiment = built[0].experiment
    start = time.perf_counter()
    result = fit_stacked(
        stacked_states(built, len(train["targets"])), train_step=built[0].train_step, eval_step=built[0].eval_step,
        train_data=train, eval_data=validation, batch_size=experiment.batch_size,
        eval_batch_size=experiment.eval_batch_size, epochs=epochs,
        seeds=[run.experiment.seed for run in built], progress=False, thread_groups=thread_groups,
    )
    finals = [final_metric(history) for history in result.histories]
    return time.perf_counter() - start, result.compile_seconds, finals, result.thread_groups


def time_one_program(built, train, validation, epochs):
    return time_stacked(built, train, validation, epochs, thread_groups=1)


def time_sequential(built, train, validation, epochs):
    from jax_zoo.train import fit

    start, compile_seconds, finals = time.perf_counter(), 0.0, []
    for run in built:
        experiment = run.experiment
        # The runs differ in the seed only: one model and optimizer object keep the compiled
        # step shared, as the persistent compilation cache would across ``zoo train`` processes.
        state = run.state.replace(apply_fn=built[0].state.apply_fn, tx=built[0].state.tx)
        result = fit(
            state, train_step=built[0].train_step, eval_step=built[0].eval_step, train_data=train,
            eval_data=validation, batch_size=experiment.batch_size, eval_batch_size=experiment.eval_batch_size,
            epochs=epochs, seed=experiment.seed, progress=False,
        )
        compile_seconds += result.compile_seconds
        finals.append(final_metric(result.history))
    return time.perf_counter() - start, compile_seconds, finals, 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entry")
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()
    os.environ.setdefault("ZOO_COMPILATION_CACHE", "0")  # every timing includes its real compilation
    prepare_process()  # before JAX loads, as the zoo command does
    from jax_zoo.api.build import build
    from jax_zoo.datasets import load_dataset
    from jax_zoo.train.records import environment, write_json_atomic

    def fresh():
        return [build(args.entry, {"seed": seed, "epochs": args.epochs}) for seed in range(args.members)]

    experiment = fresh()[0].experiment
    train = load_dataset(experiment.dataset, experiment.train_split)
    validation = load_dataset(experiment.dataset, experiment.eval_split)
    timers = {"members": time_stacked, "members_one_program": time_one_program, "sequential": time_sequential}
    timings = {name: [] for name in timers}
    for repeat in range(args.repeats):
        for name, timer in timers.items():
            load_before = os.getloadavg()[0]
            wall, compile_seconds, finals, thread_groups = timer(fresh(), train, validation, args.epochs)
            timings[name].append({
                "wall_seconds": round(wall, 3), "compile_seconds": round(compile_seconds, 3), "thread_groups": thread_groups,
                "load_average_before": load_before, "load_average_after": os.getloadavg()[0],
                f"validation_{finals[0][0]}": [round(value, 4) for _, value in finals],
            })
            print(f"{name} repeat {repeat}: {wall:.1f} s (compile {compile_seconds:.1f} s), "
                  f"load {load_before:.1f} -> {os.getloadavg()[0]:.1f}", flush=True)

    def median(name, key):
        return statistics.median(timing[key] for timing in timings[name])

    def steady(name):
        return statistics.median(t["wall_seconds"] - t["compile_seconds"] for t in timings[name])

    report = {
        "entry": args.entry, "members": args.members, "epochs": args.epochs, "repeats": args.repeats,
        "median_wall_seconds": {name: median(name, "wall_seconds") for name in timings},
        "median_wall_seconds_without_compile": {name: steady(name) for name in timings},
        "speedup_wall": round(median("sequential", "wall_seconds") / median("members", "wall_seconds"), 2),
        "speedup_without_compile": round(steady("sequential") / steady("members"), 2),
        "one_program_speedup_wall": round(
            median("sequential", "wall_seconds") / median("members_one_program", "wall_seconds"), 2),
        "timings": timings,
        "command": f"PYTHONPATH=. python benchmarks/vmap_members.py {args.entry} --members {args.members} "
                   f"--epochs {args.epochs} --repeats {args.repeats}" + (f" --json {args.json}" if args.json else ""),
        **environment(),
    }
    seconds = report["median_wall_seconds"]
    print(f"{args.entry}: {args.members} stacked runs {seconds['members']:.1f} s "
          f"({timings['members'][0]['thread_groups']} thread groups), as one program {seconds['members_one_program']:.1f} s, "
          f"in sequence {seconds['sequential']:.1f} s: {report['speedup_wall']}x and "
          f"{report['one_program_speedup_wall']}x ({report['speedup_without_compile']}x without compilation)")
    if args.json:
        write_json_atomic(args.json, report)


if __name__ == "__main__":
    main()
