"""Jitted train and eval steps: ``(state, batch) -> (state, metrics)`` and ``(state, batch) -> metrics``.

A batch is a dict with ``inputs`` (what the model reads), ``targets`` (what the loss compares
against) and, for evaluation, an optional ``mask`` (``<float32>[batch]``, 0 on padding). Models
are called as ``apply_fn(variables, inputs, train=...)``. Losses follow ``jax_zoo.train.losses``:
``loss_fn(outputs, targets, mask=None) -> scalar``. Metric functions follow ``jax_zoo.train.metrics``.
"""

from collections.abc import Callable, Mapping

import jax
import jax.numpy as jnp

from jax_zoo.train import xla_flags
from jax_zoo.train.batch_spec import ExampleSpec, check_batch
from jax_zoo.train.losses import masked_mean
from jax_zoo.train.metrics import MetricFn
from jax_zoo.train.nonfinite import check_policy, finiteness
from jax_zoo.train.state import TrainState

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


def make_train_step(
    loss_fn: LossFn,
    metric_fns: Mapping[str, MetricFn] | None = None,
    *,
    example_spec: ExampleSpec | None = None,
    augment: Augment | None = None,
    nan_policy: str = "fail",
    compiler_options: CompilerOptions | None = None,
) -> Step:
    """One optimizer update on a batch; the input state is donated.

    Randomness comes from ``jax.random.fold_in(state.key, state.step)``, split between
    ``augment`` (applied to the inputs inside the jitted step) and dropout. BatchNorm
    statistics, when the state has any, are updated from the batch, and then the state's
    moving average of the weights, when it keeps one (``TrainState.update_ema``).

    Unless ``nan_policy == "off"``, a step whose inputs, loss or gradients are not finite keeps
    the old parameters, optimizer state, statistics and average (only ``step`` advances), reports
    ``count = 0`` so it does not enter the epoch's means, and sets the metrics ``nonfinite``
    (1.0) and ``nonfinite_source`` (see ``jax_zoo.train.nonfinite.describe_offender``).
    """
    check_policy(nan_policy)
    metric_fns = dict(metric_fns or {})

    def train_step(state: TrainState, batch: Batch) -> tuple[TrainState, Metrics]:
        augment_key, dropout_key = jax.random.split(jax.random.fold_in(state.key, state.step))
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
        new_state = state.apply_gradients(grads=grads)
        if updates:
            new_state = new_state.replace(batch_stats=updates["batch_stats"])
        new_state = new_state.update_ema()
        metrics = _metrics(outputs, batch, loss, metric_fns, mask=None)
        if nan_policy == "off":
            return new_state, metrics
        finite, offender = finiteness(inputs, loss, grads)
        # A cond rather than a select per leaf: the same result, and less for XLA to compile.
        new_state = jax.lax.cond(finite, lambda: new_state, lambda: state.replace(step=state.step + 1))
        metrics = {name: jnp.where(finite, value, 0.0) for name, value in metrics.items()}
        metrics["nonfinite"] = 1.0 - finite.astype(jnp.float32)
        metrics["nonfinite_source"] = offender
        return new_state, metrics

    return Step(
        train_step, name="train_step", donate_state=True, example_spec=example_spec, nan_policy=nan_policy,
        metric_names=("loss", *metric_fns), compiler_options=compiler_options,
    )


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
