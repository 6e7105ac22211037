"""The fit loop for members (``jax_zoo.train.members``): K runs' epochs, each step one compiled program.

Member ``m`` trains on ``train_data`` rows ``train_indices[m]`` (default: every row) in the data
order of its own ``seeds[m]``, exactly the batches ``jax_zoo.train.fit`` would give that run alone; when
every member has the same rows and seed, the batch is shared (read once, not stacked). Each
member is evaluated on its own rows of ``eval_data`` (``eval_indices``) or on all of it.

Members stop on their own: early stopping per member, and under ``nan_policy="fail"`` a member
whose step is not finite keeps its last good state and is reported while the others go on.
Workdir: ``metrics.jsonl`` (one line per member and epoch, with ``member``) and
``checkpoints/<step>`` at epoch ends; a workdir with checkpoints of the same run is resumed.
"""

import dataclasses
import functools
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from tqdm.auto import tqdm

from jax_zoo.train.batching import Arrays, epoch_permutation, eval_batches, num_examples
from jax_zoo.train.checkpoints import CheckpointError, Checkpoints
from jax_zoo.train.compilation import CompilationLog
from jax_zoo.train.early_stopping import EarlyStoppingPolicy, MetricWatch
from jax_zoo.train.input_checks import InputError, check_fit_inputs
from jax_zoo.train.members import (
    make_member_eval_step, make_member_step, member_count, member_means, member_sums, unstack_member, where_active,
)
from jax_zoo.train.nonfinite import describe_offender
from jax_zoo.train.preemption import Preempted, stop_on_signals
from jax_zoo.train.records import append_jsonl, write_jsonl_atomic
from jax_zoo.train.state import TrainState
from jax_zoo.train.steps import Step

CHECKPOINTS = "checkpoints"


@dataclasses.dataclass
class MemberFitResult:
    states: TrainState
    """Final states, ``[members]`` leading axis: each member's best when early stopping restores it."""
    histories: list[list[dict[str, Any]]]
    """Per member, one record per epoch it trained in (``train_*``, ``eval_*``, ``epoch``, ``step``)."""
    diverged: list[dict[str, Any] | None]
    """Per member: None, or ``{"step", "quantity"}`` of the non-finite step that stopped it."""
    skipped_steps: list[int]
    """Per member, steps skipped as non-finite under ``nan_policy="skip"``."""
    stopped_early: list[bool]
    best_steps: list[int | None]
    wall_seconds: float
    compile_seconds: float
    completed: bool
    resumed_from_epoch: int | None = None


def _rows(indices: Sequence[np.ndarray] | None, size: int, members: int) -> list[np.ndarray]:
    if indices is None:
        return [np.arange(size)] * members
    if len(indices) != members:
        raise InputError(f"expected one index array per member ({members}), got {len(indices)}")
    return [np.asarray(rows) for rows in indices]


def evaluate_members(
    member_eval_step: Step, states: TrainState, data: Arrays, batch_size: int, rows: Sequence[np.ndarray] | None = None
) -> list[dict[str, float]]:
    """Each member's metrics over all of ``data`` (``member_eval_step`` with a shared batch) or
    over its own ``rows[m]`` of it (a per-member batch, padded and masked to one length)."""
    sums = None
    if rows is None:
        batches = eval_batches(data, batch_size)
    else:
        length = -(-max(len(r) for r in rows) // batch_size) * batch_size
        padded = np.stack([np.concatenate([r, np.zeros(length - len(r), r.dtype)]) for r in rows])
        real = np.stack([np.arange(length) < len(r) for r in rows]).astype(np.float32)
        batches = (
            {**{key: value[padded[:, s : s + batch_size]] for key, value in data.items()},
             "mask": real[:, s : s + batch_size]}
            for s in range(0, length, batch_size)
        )
    for batch in batches:
        sums = _add(sums, member_sums(member_eval_step(states, batch)))
    return member_means(sums)


@jax.jit
def _add(total, sums):
    return sums if total is None else jax.tree.map(jnp.add, total, sums)


@functools.partial(jax.jit, static_argnames="nan_policy")
def _account(sums, skipped, offender, metrics, before, after, *, nan_policy):
    """One step's bookkeeping on the device: metric sums, skipped steps under ``"skip"`` and,
    under ``"fail"``, what went non-finite for a member that just turned inactive."""
    step_sums = member_sums(metrics)
    sums = step_sums if sums is None else jax.tree.map(jnp.add, sums, step_sums)
    if nan_policy == "skip":
        skipped = skipped + metrics["nonfinite"].astype(jnp.int32) * before
    elif nan_policy == "fail":
        offender = jnp.where(before & ~after, metrics["nonfinite_source"], offender)
    return sums, skipped, offender


_where_active_jit = jax.jit(where_active)


def _checkpoint_tree(states, active, best) -> dict[str, Any]:
    tree = {"states": states, "active": active}
    return tree if best is None else tree | {"best": best}


def fit_members(
    states: TrainState,
    *,
    train_step: Step,
    eval_step: Step,
    train_data: Arrays,
    batch_size: int,
    epochs: int,
    seeds: Sequence[int],
    train_indices: Sequence[np.ndarray] | None = None,
    eval_data: Arrays | None = None,
    eval_indices: Sequence[np.ndarray] | None = None,
    eval_batch_size: int | None = None,
    workdir: str | os.PathLike | None = None,
    progress: bool = True,
    early_stopping: EarlyStoppingPolicy | None = None,
    run_record: dict[str, Any] | None = None,
    checkpoint_every_epochs: int = 1,
    stop_at_epoch: int | None = None,
    num_classes: int | None = None,
) -> MemberFitResult:
    """Trains the stacked ``states`` (``jax_zoo.train.members.stack_members``) for ``epochs`` epochs with
    the single-run ``train_step`` and ``eval_step``, evaluating every member after each epoch.

    ``stop_at_epoch`` saves and returns after that epoch; SIGTERM/SIGINT save at the epoch's end
    and raise ``Preempted``.
    """
    start = time.perf_counter()
    members = member_count(states)
    check_fit_inputs(
        train_step=train_step, eval_step=eval_step, train_data=train_data, eval_data=eval_data,
        batch_size=batch_size, eval_batch_size=eval_batch_size, epochs=epochs, seed=min(seeds, default=0),
        num_classes=num_classes,
    )
    if len(seeds) != members:
        raise InputError(f"expected one seed per member ({members}), got {len(seeds)}")
    train_rows = _rows(train_indices, num_examples(train_data), members)
    steps = {len(rows) // batch_size for rows in train_rows}
    if len(steps) != 1 or 0 in steps:
        raise InputError(
            f"members must make the same number of steps per epoch with batch_size {batch_size}, "
            f"got training sets of {sorted({len(rows) for rows in train_rows})} examples"
        )
    steps_per_epoch = steps.pop()
    shared = train_indices is None and len(set(seeds)) == 1
    member_step = make_member_step(train_step, shared_batch=shared)
    eval_rows = _rows(eval_indices, num_examples(eval_data), members) if eval_indices is not None else None
    member_eval = make_member_eval_step(eval_step, shared_batch=eval_indices is None)
    eval_batch_size = eval_batch_size or batch_size
    run_record = dict(run_record or {})
    workdir = Path(workdir) if workdir is not None else None
    checkpoints = Checkpoints(workdir / CHECKPOINTS, keep=2) if workdir is not None else None
    policy = early_stopping
    progress_record: dict[str, Any] = {
        "epoch": 0, "histories": [[] for _ in range(members)], "watches": [None] * members,
        "stopped": [False] * members, "diverged": [None] * members, "skipped": [0] * members,
    }
    active = jnp.ones(members, bool)
    # A copy: the member step donates (frees) the arrays of the states it is given.
    best = jax.tree.map(jnp.copy, states) if policy is not None else None
    resumed_from = None
    try:
        if checkpoints is not None and checkpoints.latest_step() is not None:
            target = _checkpoint_tree(states, active, best)
            saved, progress_record = checkpoints.restore(target)
            if progress_record["run"] != run_record:
                raise CheckpointError(
                    f"checkpoints in {checkpoints.directory} belong to another run: saved "
                    f"{progress_record['run']}, this run is {run_record}"
                )
            states, active, best = saved["states"], saved["active"], saved.get("best")
            resumed_from = progress_record["epoch"]
        histories, stopped, diverged = progress_record["histories"], progress_record["stopped"], progress_record["diverged"]
        skipped = jnp.asarray(progress_record["skipped"], jnp.int32)
        watches = [MetricWatch(policy, saved_watch) if policy else None for saved_watch in progress_record["watches"]]
        metrics_path = workdir / "metrics.jsonl" if workdir is not None else None
        if metrics_path is not None and resumed_from is not None:
            write_jsonl_atomic(metrics_path, [record for history in histories for record in history])
        epoch = progress_record["epoch"]

        def save(finished: bool) -> None:
            if checkpoints is None:
                return
            record = {
                "run": run_record, "epoch": epoch, "histories": histories, "stopped": stopped,
                "diverged": diverged, "skipped": [int(s) for s in jax.device_get(skipped)],
                "watches": [watch.state_dict() if watch else None for watch in watches], "finished": finished,
            }
            checkpoints.save(epoch * steps_per_epoch, _checkpoint_tree(states, active, best), record)

        with CompilationLog() as compilation, stop_on_signals() as stop_request, tqdm(
            total=epochs * steps_per_epoch, initial=epoch * steps_per_epoch, unit="step",
            disable=not progress, dynamic_ncols=True, leave=False,
        ) as bar:
            while epoch < epochs and bool(jnp.any(active)):
                epoch_start = time.perf_counter()
                was_active = np.asarray(jax.device_get(active))
                orders = [rows[epoch_permutation(len(rows), seed, epoch)] for rows, seed in zip(train_rows, seeds)]
                sums, offender = None, jnp.full(members, -1, jnp.int32)
                for j in range(steps_per_epoch):
                    window = slice(j * batch_size, (j + 1) * batch_size)
                    picked = orders[0][window] if shared else np.stack([order[window] for order in orders])
                    before = active
                    states, active, metrics = member_step(states, {k: v[picked] for k, v in train_data.items()}, active)
                    sums, skipped, offender = _account(
                        sums, skipped, offender, metrics, before, active, nan_policy=train_step.nan_policy
                    )
                    bar.update()
                epoch += 1
                train_means = member_means(sums)
                eval_means = (
                    evaluate_members(member_eval, states, eval_data, eval_batch_size, eval_rows)
                    if eval_data is not None else [{}] * members
                )
                now_active = np.asarray(jax.device_get(active))
                member_steps = np.asarray(jax.device_get(states.step))
                improved = np.zeros(members, bool)
                for m in range(members):
                    if not was_active[m]:
                        continue
                    if not now_active[m] and not stopped[m]:
                        source = int(jax.device_get(offender)[m])
                        quantity = describe_offender(source, unstack_member(states, m).params)
                        diverged[m] = {"step": int(member_steps[m]), "quantity": quantity}
                        tqdm.write(f"member {m}: step {member_steps[m]}: {quantity} contains NaN or inf; "
                                   f"it stops with its last good state, the others go on")
                    record = {"member": m, "epoch": epoch, "step": int(member_steps[m])}
                    record |= {f"train_{k}": v for k, v in train_means[m].items() if k != "count"}
                    record |= {f"eval_{k}": v for k, v in eval_means[m].items() if k != "count"}
                    record["epoch_seconds"] = time.perf_counter() - epoch_start
                    histories[m].append(record)
                    if metrics_path is not None:
                        append_jsonl(metrics_path, record)
                    if watches[m] is not None and now_active[m]:
                        improved[m] = watches[m].update(record)
                        if watches[m].should_stop:
                            stopped[m] = True
                if policy is not None:
                    best = _where_active_jit(jnp.asarray(improved), states, best)
                active = active & jnp.asarray([not s for s in stopped])
                finished = epoch == epochs or not bool(jnp.any(active))
                if finished or epoch % checkpoint_every_epochs == 0 or stop_request or epoch == stop_at_epoch:
                    save(finished)
                if not finished and (stop_request or epoch == stop_at_epoch):
                    if checkpoints is not None:
                        checkpoints.wait()
                    if stop_request:
                        raise Preempted(stop_request.signal_name, epoch * steps_per_epoch,
                                        checkpoints and str(checkpoints.directory))
                    return _result(states, best, policy, histories, diverged, skipped, stopped, watches,
                                   start, compilation, False, resumed_from)
            if checkpoints is not None:
                checkpoints.wait()
            return _result(states, best, policy, histories, diverged, skipped, stopped, watches,
                           start, compilation, True, resumed_from)
    finally:
        if checkpoints is not None:
            checkpoints.close()


def _result(states, best, policy, histories, diverged, skipped, stopped, watches, start, compilation, completed,
            resumed_from) -> MemberFitResult:
    if policy is not None and policy.restore_best:
        has_best = jnp.asarray([watch.best_step is not None for watch in watches])
        states = _where_active_jit(has_best, best, states)
    return MemberFitResult(
        states=states, histories=histories, diverged=list(diverged),
        skipped_steps=[int(s) for s in jax.device_get(skipped)], stopped_early=list(stopped),
        best_steps=[watch.best_step if watch else None for watch in watches],
        wall_seconds=time.perf_counter() - start, compile_seconds=compilation.seconds(),
        completed=completed, resumed_from_epoch=resumed_from,
    )
