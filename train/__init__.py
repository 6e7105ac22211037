"""The shared training harness: losses, train state, jitted steps, the fit loop, checkpoints.

Imports jax, optax, orbax and flax's training utilities; never ``models`` or ``zoo``. Importing it
changes nothing in the process: the process-wide settings (``train.xla_flags.apply_defaults``,
``train.host_memory.apply_if_requested``) are the ``zoo`` command's to make, or yours.
"""

from train import host_memory, xla_flags
from train.batch_spec import BatchSpecError, ExampleSpec, InputError, check_batch
from train.batching import epoch_permutation, eval_batches, train_batches
from train.checkpoints import CheckpointError, Checkpoints
from train.compilation import CompilationLog
from train.evaluate import evaluate, predict
from train.cross_validation import cross_validate, stratified_folds
from train.early_stopping import EarlyStoppingPolicy
from train.ensembles import member_mean
from train.fit import CheckpointPolicy, FitResult, fit, load_final_state
from train.member_fit import MemberFitResult, fit_members
from train.members import make_member_step, stack_members, unstack_member
from train.nonfinite import NonFiniteError
from train.parallel import DataParallel
from train.preemption import PREEMPTED_EXIT_STATUS, Preempted
from train.losses import masked_mean, mean_squared_error, mean_token_nll, sequence_cross_entropy, softmax_cross_entropy
from train.metrics import (
    MetricAccumulator, accuracy, bits_per_character, classification_report, confusion_matrix, exact_match, perplexity,
    squared_error, token_accuracy, top_k_accuracy,
)
from train.state import TrainState, create_train_state
from train.steps import Augment, Step, make_eval_step, make_predict_step, make_train_step

__all__ = [
    "PREEMPTED_EXIT_STATUS", "host_memory", "xla_flags", "Augment", "BatchSpecError", "CheckpointError", "CheckpointPolicy", "Checkpoints",
    "CompilationLog", "DataParallel", "EarlyStoppingPolicy", "ExampleSpec", "FitResult", "InputError",
    "MemberFitResult", "MetricAccumulator", "NonFiniteError", "Preempted", "Step", "TrainState", "accuracy", "bits_per_character",
    "check_batch", "classification_report", "confusion_matrix", "create_train_state", "cross_validate",
    "epoch_permutation", "eval_batches", "evaluate", "exact_match", "fit", "fit_members", "load_final_state",
    "make_eval_step", "make_member_step", "make_predict_step", "make_train_step", "masked_mean", "mean_squared_error",
    "mean_token_nll", "member_mean", "perplexity", "predict", "sequence_cross_entropy", "softmax_cross_entropy",
    "squared_error", "stack_members", "stratified_folds", "token_accuracy", "top_k_accuracy", "train_batches", "unstack_member",
]
