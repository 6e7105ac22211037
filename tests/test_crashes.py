"""``zoo train`` killed with SIGKILL, then run again: the run ends bit for bit where an
uninterrupted one ends, with nothing left behind.

Each trial is a real process (forked by ``tiny_zoo.Launcher`` after the imports) that kills
itself with SIGKILL at a seeded event it counts: a train step dispatched, an asynchronous orbax
save under way, the test evaluation after training, ``results.json`` half written. Events, not
wall-clock times, so a slow machine moves the kills with the work. Trials come in chains: a few
kills of the same workdir in a row, then the same command once more, which must finish.
"""

import collections
import json
import random

import pytest
import tiny_zoo
from harness_helpers import assert_trees_bitwise_equal, metric_history
from tiny_zoo import KillPoint, Launcher

import jax_zoo as zoo
from jax_zoo.train import load_final_state

pytestmark = pytest.mark.slow

SEED, CHAINS, KILLS_PER_CHAIN = 25, 6, 4
LAST_STEP = 36
SAVED_AT = sorted({*range(5, LAST_STEP + 1, 5), *range(12, LAST_STEP + 1, 12)})
"""tiny_mlp: 3 epochs of 12 steps, saved every 5 steps and at each epoch's end."""
ENDINGS = [KillPoint("test"), KillPoint("test", delay=0.05), KillPoint("results"), KillPoint("results")]
"""How the first four chains end; the other two end in more steps or saves."""


def resumed_from(workdir) -> int:
    """The step a run in ``workdir`` resumes from: its latest complete checkpoint, 0 for none
    (orbax renames a checkpoint's directory to its step once the save is complete)."""
    checkpoints = workdir / "checkpoints"
    return max((int(p.name) for p in checkpoints.iterdir() if p.name.isdigit()), default=0) if checkpoints.is_dir() else 0


def step_or_save(rng: random.Random, workdir) -> KillPoint:
    """A kill during one of the first 8 steps or 3 saves of the next process, among those it
    will make from where the workdir resumes: how far a killed save got depends on the machine's
    speed, so the kills are drawn one by one, each where it will land."""
    start = resumed_from(workdir)
    steps_left, saves_left = LAST_STEP - start, sum(step > start for step in SAVED_AT)
    if steps_left == 0:
        return KillPoint("test")
    if rng.random() < 0.5:
        return KillPoint("step", rng.randint(1, min(8, steps_left)), rng.uniform(0, 0.02))
    return KillPoint("save", rng.randint(1, min(3, saves_left)), rng.uniform(0, 0.05))


def train_command(workdir) -> list[str]:
    return ["train", tiny_zoo.tiny_mlp.__name__, "--workdir", str(workdir), "--no-progress"]


def leftovers(workdir) -> list[str]:
    """Temporary files and directories of interrupted writes."""
    return sorted(
        str(path.relative_to(workdir)) for path in workdir.rglob("*")
        if "orbax-checkpoint-tmp" in path.name or path.name.startswith((".results.json.", ".config.json."))
    )


def read_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_runs_killed_at_seeded_moments_resume_to_the_uninterrupted_result(tmp_path, capsys):
    # One compilation cache for all children: they compile the same steps, and what is tested is the workdir.
    launcher = Launcher(tmp_path / "logs", {"ZOO_COMPILATION_CACHE": str(tmp_path / "xla")})
    (tmp_path / "logs").mkdir()
    try:
        status, output = launcher.run(train_command(tmp_path / "golden"))
        assert status == 0, output
        golden_results = json.loads((tmp_path / "golden" / "results.json").read_text())
        golden_history = metric_history(read_lines(tmp_path / "golden" / "metrics.jsonl"))
        target = zoo.build("tiny_mlp").state
        golden_state, _ = load_final_state(tmp_path / "golden", target)
        outcomes = collections.Counter()
        rng = random.Random(SEED)
        for chain in range(CHAINS):
            workdir = tmp_path / f"chain{chain}"
            for trial in range(KILLS_PER_CHAIN):
                last = trial == KILLS_PER_CHAIN - 1
                kill = ENDINGS[chain] if last and chain < len(ENDINGS) else step_or_save(rng, workdir)
                status, output = launcher.run(train_command(workdir), kill)
                assert status in (-9, 0), f"{kill}: exit {status}\n{output}"
                if status == 0:
                    outcomes["run finished before its kill point"] += 1
                    continue
                outcomes[f"killed during {kill.event}"] += 1
                if leftovers(workdir):
                    outcomes["killed with a partial write on disk"] += 1
            status, output = launcher.run(train_command(workdir))
            assert status == 0, f"chain {chain}: the run after the kills failed\n{output}"
            outcomes["chains resumed and finished"] += 1
            results = json.loads((workdir / "results.json").read_text())
            assert results["test"] == golden_results["test"]
            assert_trees_bitwise_equal(load_final_state(workdir, target)[0], golden_state)
            assert metric_history(read_lines(workdir / "metrics.jsonl")) == golden_history
            assert leftovers(workdir) == []
            outcomes["final parameters bitwise equal to the uninterrupted run"] += 1
    finally:
        launcher.close()
    with capsys.disabled():
        print(f"\nSIGKILL trials ({CHAINS * KILLS_PER_CHAIN} over {CHAINS} chains, seed {SEED}):")
        for outcome, count in sorted(outcomes.items()):
            print(f"  {count:3d}  {outcome}")
    assert outcomes["run finished before its kill point"] == 0
    assert outcomes["killed with a partial write on disk"] >= 1, "no kill landed inside a write"

