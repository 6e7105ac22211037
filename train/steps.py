"""Jitted train and eval steps: ``(state, batch) -> (state, metrics)`` and ``(state, batch) -> metrics``.

A batch is a dict with ``inputs`` (what the model reads), ``targets`` (what the loss compares
against) and, for evaluation, an optional ``mask`` (``<float32>[batch]``, 0 on padding). Models
are called as ``apply_fn(variables, inputs, train=...)``. Losses follow ``jax_zoo.train.losses``:
``loss_fn(outputs, targets, mask=None) -> scalar``. Metric functions follow ``jax_zoo.train.metrics``.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from jax_zoo.train import xla_flags
from jax_zoo.train.batch_spec import ExampleSpec, check_batch
from jax_zoo.train.losses import masked_mean
from jax_zoo.train.metrics import MetricFn
from jax_zoo.train.nonfinite import check_policy, finiteness, inputs_are_finite
from jax_zoo.train.state import TrainState
from jax_zoo.train.thread_groups import ThreadGroups, default_thread_groups

Batch = Mapping[str, jax.Array]
Metrics = dict[str, jax.Array]
LossFn = Callable[..., jax.Array]
CompilerOptions = Mapping[str, bool | int | float | str] | str
Augment = Callable[[jax.Array, jax.Array], jax.Array]
"""``augment(key, inputs) -> inputs``: a pure, keyed batch transformation (see ``jax_zoo.train.augment``)."""


class Step:
    """A jitted step that first checks the batch against the spec it was built for.

    The check runs on the host before jit sees the batch, so a wrong rank, shape or dtype fails
    with a message naming expected vs given instead of a tracing error deep inside the model.
    ``compiler_options`` are XLA options the step is compiled with: a dict, or the name of a
    preset for a kind of network (``"convolutions"``, ``"batchnorm"``, ``"recurrent"``; see
    ``jax_zoo.train.xla_flags.PRESETS``). On a CPU they make the difference between a step slower than
    PyTorch's and one faster (docs/performance.md).
    """

    def __init__(
        self, fn: Callable, *, name: str, donate_state: bool, example_spec: ExampleSpec | None,
        nan_policy: str = "off", metric_names: tuple[str, ...] = (), compiler_options: CompilerOptions | None = None,
    ):
        fn.__name__ = name
        self.fn = fn
        """The step's pure function, unjitted: what ``jax_zoo.train.stacked`` vmaps."""
        self.name = name
        self.example_spec = example_spec
        self.nan_policy = nan_policy
        self.metric_names = metric_names
        if isinstance(compiler_options, str):
            compiler_options = xla_flags.preset(compiler_options)
        self.compiler_options = dict(compiler_options or {})
        self.jitted = jax.jit(
            fn, donate_argnums=(0,) if donate_state else (), compiler_options=self.compiler_options or None
        )

    def __call__(self, state: TrainState, batch: Batch):
        if self.example_spec is not None:
            check_batch(batch, self.example_spec, where=self.name)
        return self.jitted(state, batch)


class PartedTrainStep(Step):
    """A train step of several batch parts (``make_train_step(..., batch_parts=n)``).

    Called on a single CPU device with a usable core per part, it computes each part's gradient
    in a program called from a host thread of its own, then applies their mean in a second
    program: XLA:CPU runs a program on the thread that calls it, and a small recurrent model's
    products are too small to spread over the cores. Elsewhere it runs ``fn``, all the parts in
    one program; both give the same numbers, to float rounding.
    """

    def __init__(self, fn: Callable, part_gradients: Callable, update: Callable, *, batch_parts: int, **settings):
        super().__init__(fn, **settings)
        self.batch_parts = batch_parts
        part_gradients.__name__, update.__name__ = f"{self.name}_part", f"{self.name}_update"
        options = self.compiler_options or None
        self._part_gradients = jax.jit(part_gradients, compiler_options=options)
        self._update = jax.jit(update, donate_argnums=(0,), compiler_options=options)
        self._on_threads: bool | None = None  # decided at the first call
        self._threads: ThreadGroups | None = None
        self._part_indices: list[jax.Array] = []

    @property
    def threads(self) -> int:
        """Host threads the parts run on: one per part, or 1 (all the parts in one program)."""
        whole = default_thread_groups(self.batch_parts, jax.device_count()) == self.batch_parts
        return self.batch_parts if whole else 1

    def __call__(self, state: TrainState, batch: Batch):
        if self._on_threads is None:
            self._on_threads = self.threads > 1
        if not self._on_threads:
            return super().__call__(state, batch)
        if self._threads is None:
            self._threads = ThreadGroups(self.batch_parts, self.batch_parts)
            self._part_indices = [jnp.asarray(part, jnp.int32) for part in range(self.batch_parts)]
        if self.example_spec is not None:
            check_batch(batch, self.example_spec, where=self.name)
        count = self.batch_parts
        parts = self._threads.map(self._part_gradients, [state] * count, [batch] * count, self._part_indices)
        return self._update(state, parts)


def _variables(state: TrainState, params) -> dict:
    if state.batch_stats:
        return {"params": params, "batch_stats": state.batch_stats}
    return {"params": params}


def _metrics(outputs, batch: Batch, loss: jax.Array, metric_fns: Mapping[str, MetricFn], mask) -> Metrics:
    metrics = {"loss": loss}
    for name, metric_fn in metric_fns.items():
        metrics[name] = masked_mean(metric_fn(outputs, batch["targets"]), mask)
    metrics["count"] = jnp.asarray(outputs.shape[0], jnp.float32) if mask is None else mask.sum()
    return metrics


class PartGradients(NamedTuple):
    """What one part of a batch contributes to a train step."""

    grads: Any
    updates: dict
    metrics: Metrics
    inputs_finite: jax.Array


def make_train_step(
    loss_fn: LossFn,
    metric_fns: Mapping[str, MetricFn] | None = None,
    *,
    example_spec: ExampleSpec | None = None,
    augment: Augment | None = None,
    nan_policy: str = "fail",
    compiler_options: CompilerOptions | None = None,
    batch_parts: int = 1,
) -> Step:
    """One optimizer update on a batch; the input state is donated.

    Randomness comes from ``jax.random.fold_in(state.key, state.step)``, split between
    ``augment`` (applied to the inputs inside the jitted step) and dropout. BatchNorm
    statistics, when the state has any, are updated from the batch, and then the state's
    moving average of the weights, when it keeps one (``TrainState.update_ema``).

    ``batch_parts > 1`` splits each batch into that many equal parts of rows, each with its own
    augmentation and dropout keys (the step's keys folded with the part's index), and applies
    the mean of the parts' gradients: the whole batch's gradient when nothing random is drawn,
    to float rounding. On a CPU the parts' gradients are computed at once, each called from a
    host thread of its own (``PartedTrainStep``); models with BatchNorm statistics take one part.

    Unless ``nan_policy == "off"``, a step whose inputs, loss or gradients are not finite keeps
    the old parameters, optimizer state, statistics and average (only ``step`` advances), reports
    ``count = 0`` so it does not enter the epoch's means, and sets the metrics ``nonfinite``
    (1.0) and ``nonfinite_source`` (see ``jax_zoo.train.nonfinite.describe_offender``).
    """
    check_policy(nan_policy)
    if not isinstance(batch_parts, int) or batch_parts < 1:
        raise ValueError(f"batch_parts: expected a whole number >= 1, got {batch_parts!r}")
    metric_fns = dict(metric_fns or {})

    def part_gradients(state: TrainState, batch: Batch, part: jax.Array | int) -> PartGradients:
        augment_key, dropout_key = jax.random.split(jax.random.fold_in(state.key, state.step))
        if batch_parts > 1:
            if state.batch_stats:
                raise ValueError("batch_parts: a model with BatchNorm statistics takes the whole batch (1 part)")
            batch = _part_rows(batch, part, batch_parts)
            augment_key, dropout_key = jax.random.fold_in(augment_key, part), jax.random.fold_in(dropout_key, part)
        inputs = batch["inputs"] if augment is None else augment(augment_key, batch["inputs"])

        def compute_loss(params):
            mutable = ["batch_stats"] if state.batch_stats else False
            result = state.apply_fn(
                _variables(state, params), inputs, train=True,
                rngs={"dropout": dropout_key}, mutable=mutable,
            )
            outputs, updates = result if mutable else (result, {})
            return loss_fn(outputs, batch["targets"]), (outputs, updates)

        (loss, (outputs, updates)), grads = jax.value_and_grad(compute_loss, has_aux=True)(state.params)
        metrics = _metrics(outputs, batch, loss, metric_fns, mask=None)
        inputs_finite = jnp.array(True) if nan_policy == "off" else inputs_are_finite(inputs)
        return PartGradients(grads, updates, metrics, inputs_finite)

    def update(state: TrainState, parts: Sequence[PartGradients]) -> tuple[TrainState, Metrics]:
        grads, updates, metrics, inputs_finite = _mean_of_parts(parts)
        new_state = state.apply_gradients(grads=grads)
        if updates:
            new_state = new_state.replace(batch_stats=updates["batch_stats"])
        new_state = new_state.update_ema()
        if nan_policy == "off":
            return new_state, metrics
        finite, offender = finiteness(inputs_finite, metrics["loss"], grads)
        # A cond rather than a select per leaf: the same result, and less for XLA to compile.
        new_state = jax.lax.cond(finite, lambda: new_state, lambda: state.replace(step=state.step + 1))
        metrics = {name: jnp.where(finite, value, 0.0) for name, value in metrics.items()}
        metrics["nonfinite"] = 1.0 - finite.astype(jnp.float32)
        metrics["nonfinite_source"] = offender
        return new_state, metrics

    def train_step(state: TrainState, batch: Batch) -> tuple[TrainState, Metrics]:
        return update(state, [part_gradients(state, batch, part) for part in range(batch_parts)])

    settings = dict(
        name="train_step", donate_state=True, example_spec=example_spec, nan_policy=nan_policy,
        metric_names=("loss", *metric_fns), compiler_options=compiler_options,
    )
    if batch_parts == 1:
        return Step(train_step, **settings)
    return PartedTrainStep(train_step, part_gradients, update, batch_parts=batch_parts, **settings)


def _part_rows(batch: Batch, part: jax.Array | int, parts: int) -> Batch:
    """Rows ``[part * n, (part + 1) * n)`` of every array, ``n`` being the batch's rows over ``parts``."""
    rows = next(iter(batch.values())).shape[0]
    if rows % parts:
        raise ValueError(f"batch_parts: expected a batch whose {rows} rows split into {parts} equal parts")
    size = rows // parts
    return {name: jax.lax.dynamic_slice_in_dim(value, part * size, size) for name, value in batch.items()}


def _mean_of_parts(parts: Sequence[PartGradients]) -> PartGradients:
    """The parts' mean gradient and metrics (equal parts), their summed count, all inputs finite."""
    if len(parts) == 1:
        return parts[0]
    count = len(parts)
    grads = jax.tree.map(lambda *leaves: sum(leaves) / count, *(part.grads for part in parts))
    metrics = {name: sum(part.metrics[name] for part in parts) / (1 if name == "count" else count)
               for name in parts[0].metrics}
    inputs_finite = jnp.all(jnp.stack([part.inputs_finite for part in parts]))
    return PartGradients(grads, {}, metrics, inputs_finite)


def make_predict_step(
    *, example_spec: ExampleSpec | None = None, compiler_options: CompilerOptions | None = None
) -> Step:
    """The model's outputs in inference mode: ``(state, batch) -> outputs``, from the state's
    moving average of the weights when it keeps one (``TrainState.for_evaluation``)."""

    def predict_step(state: TrainState, batch: Batch) -> jax.Array:
        state = state.for_evaluation()
        return state.apply_fn(_variables(state, state.params), batch["inputs"], train=False)

    return Step(
        predict_step, name="predict_step", donate_state=False, example_spec=example_spec,
        compiler_options=compiler_options,
    )


def make_eval_step(
    loss_fn: LossFn,
    metric_fns: Mapping[str, MetricFn] | None = None,
    *,
    example_spec: ExampleSpec | None = None,
    compiler_options: CompilerOptions | None = None,
) -> Step:
    """Metrics of the model in inference mode; examples with ``mask == 0`` do not count. Like
    ``make_predict_step``, it reads the moving average of the weights when the state keeps one."""
    metric_fns = dict(metric_fns or {})

    def eval_step(state: TrainState, batch: Batch) -> Metrics:
        state = state.for_evaluation()
        outputs = state.apply_fn(_variables(state, state.params), batch["inputs"], train=False)
        mask = batch.get("mask")
        if mask is None:
            mask = jnp.ones(outputs.shape[0], jnp.float32)
        loss = loss_fn(outputs, batch["targets"], mask=mask)
        return _metrics(outputs, batch, loss, metric_fns, mask)

    return Step(
        eval_step, name="eval_step", donate_state=False, example_spec=example_spec, metric_names=("loss", *metric_fns),
        compiler_options=compiler_options,
    )
