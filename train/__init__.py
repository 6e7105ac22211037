"""The shared training harness: losses, train state, jitted steps, the training loop, checkpoints.

Imports jax, optax, orbax and flax's training utilities; never ``models`` or ``zoo``. Importing it
changes nothing in the process: the process-wide settings (``jax_zoo.train.xla_flags.apply_defaults``,
``jax_zoo.train.host_memory.apply_if_requested``) are the ``zoo`` command's to make, or yours.
"""

from jax_zoo.train import host_memory, xla_flags
from jax_zoo.train.batch_spec import BatchSpecError, ExampleSpec, InputError, check_batch
from jax_zoo.train.batching import epoch_permutation, eval_batches, train_batches
from jax_zoo.train.checkpoints import CheckpointError, CheckpointPolicy, Checkpoints
from jax_zoo.train.compilation import CompilationLog
from jax_zoo.train.evaluate import evaluate, evaluate_stacked, predict
from jax_zoo.train.cross_validation import cross_validate, stratified_folds
from jax_zoo.train.early_stopping import EarlyStoppingPolicy
from jax_zoo.train.ensembles import member_mean
from jax_zoo.train.fit import FitResult, StackedFitResult, fit, fit_stacked, load_final_state
from jax_zoo.train.stacked import make_stacked_train_step, stack_runs, unstack_run
from jax_zoo.train.nonfinite import NonFiniteError
from jax_zoo.train.parallel import DataParallel
from jax_zoo.train.preemption import PREEMPTED_EXIT_STATUS, Preempted
from jax_zoo.train.losses import masked_mean, mean_squared_error, mean_token_nll, sequence_cross_entropy, softmax_cross_entropy
from jax_zoo.train.metrics import (
    MetricAccumulator, accuracy, bits_per_character, classification_report, confusion_matrix, exact_match, perplexity,
    squared_error, token_accuracy, top_k_accuracy,
)
from jax_zoo.train.state import TrainState, create_train_state
from jax_zoo.train.steps import Augment, Step, make_eval_step, make_predict_step, make_train_step

__all__ = [
    "PREEMPTED_EXIT_STATUS", "host_memory", "xla_flags", "Augment", "BatchSpecError", "CheckpointError", "CheckpointPolicy", "Checkpoints",
    "CompilationLog", "DataParallel", "EarlyStoppingPolicy", "ExampleSpec", "FitResult", "InputError",
    "MetricAccumulator", "NonFiniteError", "Preempted", "StackedFitResult", "Step", "TrainState", "accuracy",
    "bits_per_character", "check_batch", "classification_report", "confusion_matrix", "create_train_state",
    "cross_validate", "epoch_permutation", "eval_batches", "evaluate", "evaluate_stacked", "exact_match", "fit",
    "fit_stacked", "load_final_state", "make_eval_step", "make_predict_step", "make_stacked_train_step",
    "make_train_step", "masked_mean", "mean_squared_error", "mean_token_nll", "member_mean", "perplexity", "predict",
    "sequence_cross_entropy", "softmax_cross_entropy", "squared_error", "stack_runs", "stratified_folds",
    "token_accuracy", "top_k_accuracy", "train_batches", "unstack_run",
]
