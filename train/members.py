"""K training runs as one: ``jax.vmap`` of a step over a leading member axis of the state.

Members are train states of one model with their own parameters, optimizer state, step and
random key (``stack_members``); a member step (``make_member_step``) applies the train step to
every member at once, in one compiled program. Batches are either shared (``<...>[batch, ...]``,
every member reads the same examples) or per member (``<...>[members, batch, ...]``, e.g. each
member's own data order or its own cross-validation fold).

Members may differ in anything the state holds: initialisation, dropout key, and hyperparameters
that live in the optimizer state (``optax.inject_hyperparams``: set
``opt_state.hyperparams["learning_rate"]`` per member before stacking). Members built with
different optax transformations (an entry's optimizer closes over a Python learning rate) are
stacked too, when their optimizer states have one structure: the member step then runs every
distinct optimizer's update and each member keeps its own (``lax.switch`` under ``vmap``), a cost
of a few element-wise passes over the parameters per distinct optimizer.
"""

from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jax_zoo.train.batch_spec import check_batch
from jax_zoo.train.state import TrainState
from jax_zoo.train.steps import Step


def stack(trees: Sequence[Any]) -> Any:
    """One tree whose leaves carry a leading ``[members]`` axis."""
    return jax.tree.map(lambda *leaves: jnp.stack(leaves), *trees)


def member(tree: Any, index: int) -> Any:
    """Member ``index`` of a stacked tree, without the member axis."""
    return jax.tree.map(lambda leaf: leaf[index], tree)


def member_count(tree: Any) -> int:
    return int(jax.tree.leaves(tree)[0].shape[0])


class MemberOptState(NamedTuple):
    """A member's optimizer state: which of the distinct optimizers it uses, and that one's state."""

    index: jax.Array
    inner: Any


def switch_optimizers(optimizers: Sequence[optax.GradientTransformation]) -> optax.GradientTransformation:
    """One transformation over members that use different ones: the state holds the member's
    ``index`` into ``optimizers`` (``MemberOptState``). Its ``init`` starts optimizer 0; members
    are given their own in ``stack_members``."""
    optimizers = tuple(optimizers)

    def init(params):
        return MemberOptState(jnp.zeros((), jnp.int32), optimizers[0].init(params))

    def update(updates, state, params=None):
        branches = [tx.update for tx in optimizers]
        new_updates, inner = jax.lax.switch(state.index, branches, updates, state.inner, params)
        return new_updates, MemberOptState(state.index, inner)

    return optax.GradientTransformation(init, update)


def stack_members(states: Sequence[TrainState]) -> TrainState:
    """The member states as one state with a leading ``[members]`` axis on every array.

    Members share one model: the first state's ``apply_fn`` serves all. Their arrays must have
    one shape, their ``ema_decay`` one value; their optimizers may be distinct transformations
    if their states have one structure (``switch_optimizers``).
    """
    states = list(states)
    if not states:
        raise ValueError("stack_members: expected at least one member state, got none")
    if len({state.ema_decay for state in states}) != 1:
        raise ValueError(f"stack_members: expected one ema_decay, got {sorted({str(s.ema_decay) for s in states})}")
    states = [state.replace(apply_fn=states[0].apply_fn) for state in states]
    optimizers = []
    for state in states:
        if not any(state.tx is tx for tx in optimizers):
            optimizers.append(state.tx)
    if len(optimizers) > 1:
        structures = {jax.tree.structure(state.opt_state) for state in states}
        if len(structures) != 1:
            raise ValueError(
                "stack_members: the members' optimizer states differ in structure (e.g. a transform "
                "added for one value only); such members must be trained separately"
            )
        shared = switch_optimizers(optimizers)
        states = [
            state.replace(
                tx=shared,
                opt_state=MemberOptState(
                    jnp.asarray(next(i for i, tx in enumerate(optimizers) if tx is state.tx), jnp.int32),
                    state.opt_state,
                ),
            )
            for state in states
        ]
    shapes = {tuple((leaf.shape, leaf.dtype) for leaf in jax.tree.leaves(state)) for state in states}
    if len(shapes) != 1:
        raise ValueError("stack_members: the members' arrays differ in shape or dtype (another model size?)")
    return stack(states)


def unstack_member(states: TrainState, index: int) -> TrainState:
    """Member ``index`` as a plain single-run state (its own optimizer's state when switched)."""
    state = member(states, index)
    if isinstance(state.opt_state, MemberOptState):
        state = state.replace(opt_state=state.opt_state.inner)
    return state


def where_active(active: jax.Array, new: Any, old: Any) -> Any:
    """``new`` for the members where ``active`` (``<bool>[members]``) holds, ``old`` elsewhere."""
    def pick(new_leaf, old_leaf):
        return jnp.where(active.reshape(active.shape + (1,) * (new_leaf.ndim - 1)), new_leaf, old_leaf)

    return jax.tree.map(pick, new, old)


class MemberStep(Step):
    """A member step: checks one member's slice of a per-member batch against the spec."""

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
            check_batch(batch if self.shared_batch else member(batch, 0), self.base_spec, where=self.name)
        return self.jitted(*args)


def make_member_step(train_step: Step, *, shared_batch: bool) -> MemberStep:
    """``(states, batch, active) -> (states, active, metrics)``: one train step of every member.

    ``active`` (``<bool>[members]``) says which members train: the others keep their state
    (a stopped or diverged member). Under the train step's ``nan_policy="fail"`` a member whose
    step is not finite keeps its last good state and turns inactive, the others go on; under
    ``"skip"`` it only skips that step. Metrics have a leading ``[members]`` axis; those of
    inactive members are zero with ``count`` 0.
    """
    step_fn = train_step.fn
    batch_axis = None if shared_batch else 0
    fail = train_step.nan_policy == "fail"

    def member_step(states, batch, active):
        new_states, metrics = jax.vmap(step_fn, in_axes=(0, batch_axis))(states, batch)
        if fail:
            active = active & (metrics["nonfinite"] == 0)
        new_states = where_active(active, new_states, states)
        # An inactive member's metrics are zeros with count 0: they do not enter the epoch's means.
        metrics = {name: value if name == "nonfinite" else jnp.where(active, value, jnp.zeros_like(value))
                   for name, value in metrics.items()}
        return new_states, active, metrics

    return MemberStep(member_step, base=train_step, shared_batch=shared_batch, name="member_train_step",
                      donate_state=True)


def make_member_eval_step(eval_step: Step, *, shared_batch: bool) -> MemberStep:
    """``(states, batch) -> metrics``: the eval step of every member, metrics ``[members]``."""
    batch_axis = None if shared_batch else 0
    return MemberStep(
        jax.vmap(eval_step.fn, in_axes=(0, batch_axis)), base=eval_step, shared_batch=shared_batch,
        name="member_eval_step", donate_state=False,
    )


def make_member_predict_step(predict_step: Step) -> MemberStep:
    """``(states, batch) -> <float>[members, batch, ...]``: every member's outputs on a shared batch."""
    return MemberStep(
        jax.vmap(predict_step.fn, in_axes=(0, None)), base=predict_step, shared_batch=True,
        name="member_predict_step", donate_state=False,
    )


def member_sums(metrics: dict[str, jax.Array]) -> dict[str, jax.Array]:
    """Count-weighted sums of ``[members]`` metrics, zero where a member saw no example."""
    count = metrics["count"]
    sums = {name: jnp.where(count > 0, value * count, 0.0) for name, value in metrics.items()
            if name not in ("count", "nonfinite", "nonfinite_source")}
    sums["count"] = count
    return sums


def member_means(sums: dict[str, jax.Array] | None) -> list[dict[str, float]]:
    """Per-member means from ``member_sums`` added up over batches, with each member's ``count``."""
    if sums is None:
        return []
    sums = {name: np.asarray(value, np.float64) for name, value in jax.device_get(sums).items()}
    count = sums["count"]
    results = []
    for index in range(len(count)):
        means = {name: (float(value[index] / count[index]) if count[index] else float("nan"))
                 for name, value in sums.items() if name != "count"}
        means["count"] = int(count[index])
        results.append(means)
    return results
