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
# tiny_mlp: 3 epochs of 12 steps, saved at steps 5, 10, 12, 15, 20, 24, 25, 30 and 36.


def kill_points(rng: random.Random) -> list[list[KillPoint]]:
    """Six chains of four kills: three during steps (the 1st to 8th of the killed process) or
    saves (its 1st to 3rd), then four chains end in the test evaluation or mid-``results.json``,
    two in more steps or saves. The test checks that every kill landed before the run ended."""

    def step_or_save() -> KillPoint:
        if rng.random() < 0.5:
            return KillPoint("step", rng.randint(1, 8), rng.uniform(0, 0.02))
        return KillPoint("save", rng.randint(1, 3), rng.uniform(0, 0.05))

    endings = [KillPoint("test"), KillPoint("test", delay=0.05), KillPoint("results"), KillPoint("results")]
    endings += [step_or_save() for _ in range(CHAINS - len(endings))]
    return [[step_or_save() for _ in range(KILLS_PER_CHAIN - 1)] + [ending] for ending in endings]


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
        for chain, kills in enumerate(kill_points(random.Random(SEED))):
            workdir = tmp_path / f"chain{chain}"
            for kill in kills:
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

