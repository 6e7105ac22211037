"""The shared training harness: losses, train state, jitted steps, the fit loop, checkpoints.

Imports jax, optax, orbax and flax's training utilities; never ``models`` or ``zoo``.
"""

from train.batch_spec import BatchSpecError, ExampleSpec, check_batch, example_spec_of
from train.batching import epoch_permutation, eval_batches, train_batches
from train.checkpoints import CheckpointError, Checkpoints
from train.compilation import CompilationLog
from train.evaluate import evaluate, predict
from train.fit import FitResult, fit
from train.losses import masked_mean, mean_squared_error, mean_token_nll, sequence_cross_entropy, softmax_cross_entropy
from train.metrics import (
    MetricAccumulator, accuracy, bits_per_character, classification_report, confusion_matrix, perplexity, token_accuracy,
)
from train.state import TrainState, create_train_state
from train.steps import Augment, Step, make_eval_step, make_predict_step, make_train_step

__all__ = [
    "Augment", "BatchSpecError", "CheckpointError", "Checkpoints", "CompilationLog", "ExampleSpec",
    "FitResult", "MetricAccumulator", "Step", "TrainState", "accuracy", "bits_per_character", "check_batch",
    "classification_report", "confusion_matrix", "create_train_state", "epoch_permutation",
    "eval_batches", "evaluate", "example_spec_of", "fit", "make_eval_step", "make_predict_step",
    "make_train_step", "masked_mean", "mean_squared_error", "mean_token_nll", "perplexity", "predict",
    "sequence_cross_entropy", "softmax_cross_entropy", "token_accuracy", "train_batches",
]
