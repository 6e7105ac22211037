"""Stacked runs: K training runs as one, ``jax.vmap`` of a step over a leading ``[runs]`` axis.

A run is what ``jax_zoo.train.fit`` trains: one train state (parameters, optimizer state, step,
random key), its data rows and its seed. Stacked (``stack_runs``), the states of K runs of one
model become one state whose arrays carry a leading ``[runs]`` axis, and a stacked step
(``make_stacked_train_step``) applies the train step to every run at once, in one compiled
program. Batches are either shared (``<...>[batch, ...]``, every run reads the same examples)
or per run (``<...>[runs, batch, ...]``, e.g. each run's own data order or its own
cross-validation fold).

Runs may differ in anything the state holds: initialisation, dropout key, and hyperparameters
that live in the optimizer state (``optax.inject_hyperparams``: set
``opt_state.hyperparams["learning_rate"]`` per run before stacking). Runs built with different
optax transformations (an entry's optimizer closes over a Python learning rate) are stacked
too, when their optimizer states have one structure: the stacked step then runs every distinct
optimizer's update and each run keeps its own (``lax.switch`` under ``vmap``), a cost of a few
element-wise passes over the parameters per distinct optimizer.
"""

from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jax_zoo.train.batch_spec import check_batch
from jax_zoo.train.state import TrainState
from jax_zoo.train.steps import Step


def stack(trees: Sequence[Any]) -> Any:
    """One tree whose leaves carry a leading ``[runs]`` axis."""
    return jax.tree.map(lambda *leaves: jnp.stack(leaves), *trees)


def _take(tree: Any, index: int) -> Any:
    return jax.tree.map(lambda leaf: leaf[index], tree)


def run_count(tree: Any) -> int:
    """The length of a stacked tree's leading ``[runs]`` axis."""
    return int(jax.tree.leaves(tree)[0].shape[0])


class SwitchedOptState(NamedTuple):
    """A run's optimizer state under ``switch_optimizers``: which optimizer it uses, and that one's state."""

    index: jax.Array
    inner: Any


def switch_optimizers(optimizers: Sequence[optax.GradientTransformation]) -> optax.GradientTransformation:
    """One transformation over runs that use different ones: the state holds the run's
    ``index`` into ``optimizers`` (``SwitchedOptState``). Its ``init`` starts optimizer 0; runs
    are given their own in ``stack_runs``."""
    optimizers = tuple(optimizers)

    def init(params):
        return SwitchedOptState(jnp.zeros((), jnp.int32), optimizers[0].init(params))

    def update(updates, state, params=None):
        branches = [tx.update for tx in optimizers]
        new_updates, inner = jax.lax.switch(state.index, branches, updates, state.inner, params)
        return new_updates, SwitchedOptState(state.index, inner)

    return optax.GradientTransformation(init, update)


def stack_runs(states: Sequence[TrainState]) -> TrainState:
    """The runs' states as one state with a leading ``[runs]`` axis on every array.

    Runs share one model: the first state's ``apply_fn`` serves all. Their arrays must have
    one shape, their ``ema_decay`` one value; their optimizers may be distinct transformations
    if their states have one structure (``switch_optimizers``).
    """
    states = list(states)
    if not states:
        raise ValueError("stack_runs: expected at least one run's state, got none")
    if len({(state.ema_decay, state.ema_start) for state in states}) != 1:
        raise ValueError(
            f"stack_runs: expected one ema_decay and ema_start, got "
            f"{sorted({(str(s.ema_decay), s.ema_start) for s in states})}"
        )
    states = [state.replace(apply_fn=states[0].apply_fn) for state in states]
    optimizers = []
    for state in states:
        if not any(state.tx is tx for tx in optimizers):
            optimizers.append(state.tx)
    if len(optimizers) > 1:
        structures = {jax.tree.structure(state.opt_state) for state in states}
        if len(structures) != 1:
            raise ValueError(
                "stack_runs: the runs' optimizer states differ in structure (e.g. a transform "
                "added for one value only); such runs must be trained separately"
            )
        shared = switch_optimizers(optimizers)
        states = [
            state.replace(
                tx=shared,
                opt_state=SwitchedOptState(
                    jnp.asarray(next(i for i, tx in enumerate(optimizers) if tx is state.tx), jnp.int32),
                    state.opt_state,
                ),
            )
            for state in states
        ]
    shapes = {tuple((leaf.shape, leaf.dtype) for leaf in jax.tree.leaves(state)) for state in states}
    if len(shapes) != 1:
        raise ValueError("stack_runs: the runs' arrays differ in shape or dtype (another model size?)")
    return stack(states)


def unstack_run(states: TrainState, index: int) -> TrainState:
    """Run ``index`` as a plain state (its own optimizer's state when switched)."""
    state = _take(states, index)
    if isinstance(state.opt_state, SwitchedOptState):
        state = state.replace(opt_state=state.opt_state.inner)
    return state


def where_active(active: jax.Array, new: Any, old: Any) -> Any:
    """``new`` for the runs where ``active`` (``<bool>[runs]``) holds, ``old`` elsewhere."""
    def pick(new_leaf, old_leaf):
        return jnp.where(active.reshape(active.shape + (1,) * (new_leaf.ndim - 1)), new_leaf, old_leaf)

    return jax.tree.map(pick, new, old)


class StackedStep(Step):
    """A stacked step: checks one run's slice of a per-run batch against the spec."""

    def __init__(self, fn, *, base: Step, shared_batch: bool, name: str, donate_state: bool):
        super().__init__(
            fn, name=name, donate_state=donate_state, example_spec=None, nan_policy=base.nan_policy,
            metric_names=base.metric_names, compiler_options=base.compiler_options,
        )
        self.base_spec = base.example_spec
        self.shared_batch = shared_batch

    def __call__(self, *args):
        batch = args[1]
        if self.base_spec is not None:
            check_batch(batch if self.shared_batch else _take(batch, 0), self.base_spec, where=self.name)
        return self.jitted(*args)


def make_stacked_train_step(train_step: Step, *, shared_batch: bool) -> StackedStep:
    """``(states, batch, active) -> (states, active, metrics)``: one train step of every run.

    ``active`` (``<bool>[runs]``) says which runs train: the others keep their state (a stopped
    or diverged run). Under the train step's ``nan_policy="fail"`` a run whose step is not
    finite keeps its last good state and turns inactive, the others go on; under ``"skip"`` it
    only skips that step. Metrics have a leading ``[runs]`` axis; those of inactive runs are
    zero with ``count`` 0, and ``nonfinite`` flags only the runs that were active.
    """
    step_fn = train_step.fn
    batch_axis = None if shared_batch else 0
    fail = train_step.nan_policy == "fail"

    def stacked_step(states, batch, active):
        new_states, metrics = jax.vmap(step_fn, in_axes=(0, batch_axis))(states, batch)
        if "nonfinite" in metrics:
            metrics["nonfinite"] = jnp.where(active, metrics["nonfinite"], 0.0)
            if fail:
                active = active & (metrics["nonfinite"] == 0)
        new_states = where_active(active, new_states, states)
        # An inactive run's metrics are zeros with count 0: they do not enter the epoch's means.
        metrics = {name: value if name.startswith("nonfinite") else jnp.where(active, value, jnp.zeros_like(value))
                   for name, value in metrics.items()}
        return new_states, active, metrics

    return StackedStep(stacked_step, base=train_step, shared_batch=shared_batch, name="stacked_train_step",
                       donate_state=True)


def make_stacked_eval_step(eval_step: Step, *, shared_batch: bool) -> StackedStep:
    """``(states, batch) -> metrics``: the eval step of every run, metrics ``[runs]``."""
    batch_axis = None if shared_batch else 0
    return StackedStep(
        jax.vmap(eval_step.fn, in_axes=(0, batch_axis)), base=eval_step, shared_batch=shared_batch,
        name="stacked_eval_step", donate_state=False,
    )


def make_stacked_predict_step(predict_step: Step) -> StackedStep:
    """``(states, batch) -> <float>[runs, batch, ...]``: every run's outputs on a shared batch."""
    return StackedStep(
        jax.vmap(predict_step.fn, in_axes=(0, None)), base=predict_step, shared_batch=True,
        name="stacked_predict_step", donate_state=False,
    )
