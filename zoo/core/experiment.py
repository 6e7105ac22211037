"""What an entry function returns: every choice needed to train and evaluate one model."""

import dataclasses
import math
from collections.abc import Callable, Mapping

import flax.linen as nn
import optax

from jax_zoo.train.early_stopping import EarlyStoppingPolicy
from jax_zoo.train.checkpoints import CheckpointPolicy
from jax_zoo.train.metrics import MetricFn
from jax_zoo.train.nonfinite import NAN_POLICIES
from jax_zoo.train.state import TrainState
from jax_zoo.train.steps import Augment
from jax_zoo.core.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class Decoding:
    """How a sequence-to-sequence entry searches for its outputs (``jax_zoo.models.decoding``):
    a beam of ``beam_size`` for the test report and ``zoo eval --decode`` (``zoo translate`` takes
    its own ``--beam``), with ``length_penalty`` and ``no_repeat_ngram`` wherever it decodes.
    Part of the recipe, chosen on validation like the rest."""

    beam_size: int = 4
    length_penalty: float = 0.6
    no_repeat_ngram: int = 0

    def __post_init__(self):
        if not isinstance(self.beam_size, int) or self.beam_size < 1:
            raise ConfigError(f"beam_size: expected a positive integer, got {self.beam_size!r}")
        if not 0 <= self.length_penalty < math.inf:
            raise ConfigError(f"length_penalty: expected a finite value >= 0, got {self.length_penalty!r}")
        if not isinstance(self.no_repeat_ngram, int) or self.no_repeat_ngram < 0:
            raise ConfigError(f"no_repeat_ngram: expected 0 (off) or an n-gram size, got {self.no_repeat_ngram!r}")

    def describe(self) -> str:
        """``"beam 4, length penalty 0.6"`` (and ``", no repeated 3-grams"``), as reports state it."""
        search = "greedy" if self.beam_size == 1 else f"beam {self.beam_size}, length penalty {self.length_penalty}"
        return search + (f", no repeated {self.no_repeat_ngram}-grams" if self.no_repeat_ngram else "")


@dataclasses.dataclass(frozen=True)
class Experiment:
    """A model, an optimizer, a loss and a dataset, with the loop's hyperparameters.

    ``optimizer`` is an optax transformation, or a function of the steps per epoch that returns
    one (``lambda steps_per_epoch: optax.adam(optax.cosine_decay_schedule(lr, epochs *
    steps_per_epoch))``): the harness calls it with the steps the run really makes, so a schedule
    ends where training does, on the full training split as on a cross-validation fold.

    ``loss(outputs, targets, mask=None) -> scalar`` and ``metrics`` follow ``jax_zoo.train.losses`` and
    ``jax_zoo.train.metrics``; the first metric is the headline one (``zoo list``, results tables).
    ``augment(key, inputs) -> inputs`` runs inside the jitted train step. ``train_split`` is what
    it trains on: a split, or several joined by ``+`` (``"train+validation"``, a final fit once
    the hyperparameters are chosen on validation). ``eval_split`` is the held-out split
    evaluated after every epoch (and watched by ``early_stopping``), or None for no evaluation
    between epochs; the test split is evaluated once, at the end, and is never trained on.
    ``nan_policy`` is ``"fail"``, ``"skip"`` or ``"off"`` (see ``jax_zoo.train.nonfinite``).
    ``xla_flags`` (``"--xla_NAME=VALUE"``) are XLA options the entry runs faster with: ``build``
    compiles its steps with those this jaxlib takes and you have not set in ``XLA_FLAGS`` (see
    ``jax_zoo.train.xla_flags``).
    ``task`` names what the model does (``"classification"``, ``"denoising"``,
    ``"language_modeling"``, ``"translation"``, ``"summarization"``): the tables of the command
    line and the API look up by it what to add to a test report, which inputs ``zoo predict``
    reads and which samples to plot; ``results.json`` records it.
    ``final_eval_model``, when given, reads the trained variables instead of ``model`` once
    training is over (the test split, ``zoo eval``, ``zoo predict``, the shipped weights): a
    model over the same variables whose inference is too dear to pay after every epoch, such as
    averaging more test-time views of each input.
    ``ema_decay`` in (0, 1), when given, keeps a moving average of the weights (and BatchNorm
    statistics) over about ``1 / (1 - ema_decay)`` steps, and every evaluation, per epoch and
    after training, reads it instead of the latest weights (see ``jax_zoo.train.TrainState``).
    ``ema_start_epoch`` starts that average after so many epochs (the evaluations before read
    the present weights): with ``ema_decay`` near 1, the plain mean of the weights of the last
    epochs (tail averaging, as stochastic weight averaging does).
    ``decoding``: how a sequence-to-sequence entry's outputs are searched for (``Decoding``).
    """

    model: nn.Module
    optimizer: optax.GradientTransformation | Callable[[int], optax.GradientTransformation]
    loss: Callable
    dataset: str
    batch_size: int
    epochs: int
    seed: int = 0
    metrics: Mapping[str, MetricFn] = dataclasses.field(default_factory=dict)
    eval_batch_size: int = 512
    eval_split: str | None = "validation"
    train_split: str = "train"
    augment: Augment | None = None
    task: str = "classification"
    nan_policy: str = "fail"
    early_stopping: EarlyStoppingPolicy | None = None
    checkpoint_policy: CheckpointPolicy = CheckpointPolicy()
    xla_flags: tuple[str, ...] = ()
    final_eval_model: nn.Module | None = None
    ema_decay: float | None = None
    ema_start_epoch: int = 0
    decoding: Decoding = Decoding()
    _optimizers: dict = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        for name in ("batch_size", "epochs", "eval_batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name}: expected a positive integer, got {value!r}")
        if not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            # JAX's keys hold 32 bits of seed: 2**32 would silently be seed 0 again.
            raise ConfigError(f"seed: expected an integer in [0, 2**32), got {self.seed!r}")
        if not isinstance(self.xla_flags, tuple) or not all(
            isinstance(flag, str) and flag.startswith("--xla_") for flag in self.xla_flags
        ):
            raise ConfigError(f"xla_flags: expected a tuple of '--xla_...' strings, got {self.xla_flags!r}")
        trained_on = self.train_split.split("+") if isinstance(self.train_split, str) else None
        if not trained_on or "test" in trained_on:
            raise ConfigError(
                f"train_split: expected a split or splits joined by '+', never 'test', got {self.train_split!r}"
            )
        if self.eval_split is not None and set(self.eval_split.split("+")) & set(trained_on):
            raise ConfigError(
                f"eval_split: expected a split the model is not trained on ({self.train_split!r}), "
                f"got {self.eval_split!r}"
            )
        if self.ema_decay is not None and not 0 < self.ema_decay < 1:
            raise ConfigError(f"ema_decay: expected None or a value in (0, 1), got {self.ema_decay!r}")
        if not isinstance(self.ema_start_epoch, int) or not 0 <= self.ema_start_epoch < self.epochs:
            raise ConfigError(
                f"ema_start_epoch: expected an epoch count in [0, epochs = {self.epochs}), got {self.ema_start_epoch!r}"
            )
        if self.ema_start_epoch and self.ema_decay is None:
            raise ConfigError("ema_start_epoch: expected with ema_decay set (it starts that average)")
        if self.nan_policy not in NAN_POLICIES:
            raise ConfigError(f"nan_policy: expected one of {', '.join(NAN_POLICIES)}, got {self.nan_policy!r}")
        if self.eval_split is not None and "test" in self.eval_split.split("+"):
            raise ConfigError(
                f"eval_split: expected a validation split (the test split is read once, after training), "
                f"got {self.eval_split!r}"
            )

    @property
    def predicts_classes(self) -> bool:
        """Targets are class labels: they are checked against the class count before training,
        and the test report adds a confusion matrix."""
        return self.task == "classification"

    def final_eval_state(self, state: TrainState) -> TrainState:
        """``state`` applied by ``final_eval_model`` when there is one: how it is evaluated once trained."""
        if self.final_eval_model is None:
            return state
        return state.replace(apply_fn=self.final_eval_model.apply)

    def make_optimizer(self, steps_per_epoch: int) -> optax.GradientTransformation:
        """The optax transformation for a run of ``epochs`` epochs of ``steps_per_epoch`` steps.

        One object per length: the jitted steps treat it as static, so runs of the same length
        (cross-validation folds) share their compiled steps.
        """
        if isinstance(self.optimizer, optax.GradientTransformation):
            return self.optimizer
        if steps_per_epoch not in self._optimizers:
            self._optimizers[steps_per_epoch] = self.optimizer(steps_per_epoch)
        return self._optimizers[steps_per_epoch]


def require_positive(**values: float) -> None:
    """Raises ``ConfigError`` for any value that is not finite and > 0, naming it: ``require_positive(learning_rate=lr)``."""
    for name, value in values.items():
        if not value > 0:
            raise ConfigError(f"{name}: expected a value > 0, got {value!r}")
        if value == math.inf:
            raise ConfigError(f"{name}: expected a finite value > 0, got {value!r}")


def require_at_most(limit: int, **values: int) -> None:
    """Raises ``ConfigError`` for any value above ``limit``: counts of layers or networks that would
    take the model past anything trainable (and its tracing past minutes), named in the message."""
    for name, value in values.items():
        if value > limit:
            raise ConfigError(f"{name}: expected at most {limit}, got {value!r}")


def require_fraction(**values: float) -> None:
    """Raises ``ConfigError`` for any value outside [0, 1)."""
    for name, value in values.items():
        if not 0 <= value < 1:
            raise ConfigError(f"{name}: expected a value in [0, 1), got {value!r}")


def optional_ema_decay(ema_decay: float) -> float | None:
    """An entry's ``ema_decay`` config value (0: no averaging) as ``Experiment.ema_decay``, or ``ConfigError``."""
    if not 0 <= ema_decay < 1:
        raise ConfigError(f"ema_decay: expected 0 (no averaging) or a value in (0, 1), got {ema_decay}")
    return ema_decay or None


COMPUTE_DTYPES = ("float32", "bfloat16", "float16")


def compute_dtype(name: str):
    """The ``jnp`` dtype for a ``compute_dtype`` config value, or ``ConfigError``."""
    import jax.numpy as jnp

    if name not in COMPUTE_DTYPES:
        raise ConfigError(f"compute_dtype: expected one of {', '.join(COMPUTE_DTYPES)}, got {name!r}")
    return jnp.dtype(name)
