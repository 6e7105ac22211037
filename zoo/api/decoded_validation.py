"""A summarization run's decoded validation score between epochs: ROUGE-L of a fixed subset of
the validation split, decoded as the test report decodes but greedily, with the entry's length
penalty and n-gram blocking (``text_outputs.decode_sources``: ``DECODE_BATCH`` rows at a time,
one compilation), so a run can keep its best epoch by the score it reports rather than by its
loss.

``decoded_validation(experiment, workdir)`` is built once per run and passed to ``fit`` as its
``eval_scores``: called with the train state after each evaluation, it returns
``{"rouge_l": score}`` of the evaluation parameters, which the epoch record holds as
``eval_rouge_l`` for early stopping and the best checkpoint to watch.
"""

import dataclasses
import os

import flax.linen as nn
import numpy as np

from jax_zoo.core.experiment import Decoding
from jax_zoo.api.text_metrics import rouge_l
from jax_zoo.api.text_outputs import decoded_texts, tokenizers_for
from jax_zoo.datasets import data_dir, load_dataset
from jax_zoo.datasets.text_pairs import TextPairTokenizers, text_references

METRIC = "rouge_l"
SUBSET_SIZE = 256
"""Validation functions decoded after each epoch: two batches of ``DECODE_BATCH``."""


def subset_rows(count: int, size: int) -> np.ndarray:
    """``<int64>[min(count, size)]`` rows spread evenly over ``range(count)``, first and last
    included, in order: the same rows every epoch and every run, from every part of a split
    that is ordered by package or module."""
    if count <= size:
        return np.arange(count)
    return np.round(np.linspace(0, count - 1, size)).astype(np.int64)


@dataclasses.dataclass(frozen=True)
class DecodedValidation:
    """``sources`` (``<int32>[n, source_length]``) decoded as ``decoding`` says (greedy by
    default), scored with ROUGE-L against ``references`` (one text per row)."""

    model: nn.Module
    tokenizers: TextPairTokenizers
    sources: np.ndarray
    references: tuple[str, ...]
    decoding: Decoding = Decoding(beam_size=1)
    metric_names: tuple[str, ...] = (METRIC,)

    def __post_init__(self):
        if len(self.sources) != len(self.references) or not self.references:
            raise ValueError(
                f"expected one reference per source row and at least one, got {len(self.references)} "
                f"for {len(self.sources)} rows"
            )

    def __call__(self, state) -> dict[str, float]:
        """``{METRIC: mean ROUGE-L F-measure}`` of the outputs of ``state``'s evaluation parameters."""
        return self.score(state.for_evaluation().params)

    def score(self, params) -> dict[str, float]:
        """``{METRIC: mean ROUGE-L F-measure}`` of the outputs of ``params``."""
        outputs = decoded_texts(self.model, params, self.sources, self.tokenizers, decoding=self.decoding)
        return {METRIC: rouge_l(outputs, self.references)}


def decoded_subset(
    model: nn.Module, tokenizers: TextPairTokenizers, data: dict, references: list[str], *,
    size: int = SUBSET_SIZE, decoding: Decoding = Decoding(beam_size=1),
) -> DecodedValidation:
    """A ``DecodedValidation`` of the ``subset_rows`` of a split: its packed arrays ``data``
    (``load_dataset``) and its raw target texts ``references``, in the same order."""
    if len(references) != len(data["inputs"]):
        raise ValueError(f"expected one reference per example ({len(data['inputs'])}), got {len(references)}")
    rows = subset_rows(len(references), size)
    sources = np.asarray(data["inputs"])[rows, : tokenizers.source_length]
    return DecodedValidation(model, tokenizers, sources, tuple(references[row] for row in rows), decoding)


def decoded_validation(
    experiment, workdir: str | os.PathLike | None = None, *, size: int = SUBSET_SIZE, beam: int = 1
) -> DecodedValidation | None:
    """The decoded score of ``experiment``'s ``eval_split`` for a summarization entry whose
    dataset registered references, reading the run's tokenizers in ``workdir`` (or the data
    dir's), decoded as the entry decodes with a beam of ``beam``; None for other entries or a
    run without an evaluation split."""
    if experiment.task != "summarization" or experiment.eval_split is None:
        return None
    references = text_references(experiment.dataset, experiment.eval_split, data_dir())
    if references is None:
        return None
    data = load_dataset(experiment.dataset, experiment.eval_split)
    tokenizers = tokenizers_for(experiment.dataset, workdir)
    decoding = dataclasses.replace(experiment.decoding, beam_size=beam)
    return decoded_subset(experiment.model, tokenizers, data, references, size=size, decoding=decoding)
