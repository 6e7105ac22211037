"""A sequence-to-sequence run's test outputs decoded and scored as text, for ``results.json``.

For a ``"translation"`` or ``"summarization"`` entry whose dataset registered text references
(``text_pairs.register_tokenizers``), every test source is decoded as the entry's ``decoding``
says (``jax_zoo.Decoding``: by default a beam of 4; ``jax_zoo.models.decoding.decode``, batches
of ``DECODE_BATCH``, the last one padded with empty sources: one compilation) and the outputs are
scored against the raw target texts: sacreBLEU BLEU and chrF, and ROUGE-L for summarization
(``jax_zoo.api.text_metrics``), with a few samples.
"""

import dataclasses
import os
from typing import Any

import numpy as np

from jax_zoo.models.decoding import decode
from jax_zoo.core.experiment import Decoding
from jax_zoo.datasets import data_dir
from jax_zoo.datasets.text_pairs import (
    TextPairTokenizers,
    run_tokenizers,
    text_pair_tokenizers,
    text_references,
    trained_tokenizers_dir,
)
from jax_zoo.api.text_metrics import text_scores

TEXT_TASKS = ("translation", "summarization")
DECODE_BATCH = 128
SAMPLES = 5


def tokenizers_for(
    dataset: str, workdir: str | os.PathLike | None, folder: str | os.PathLike | None = None,
) -> TextPairTokenizers:
    """The tokenizers of a run in ``workdir`` (its own copy), or those in ``folder`` (shipped with
    weights), or else those prepared in the data dir (``jax_zoo.datasets.data_dir()``)."""
    if workdir is not None:
        return run_tokenizers(dataset, workdir)
    if folder is not None:
        return text_pair_tokenizers(dataset, folder)
    return text_pair_tokenizers(dataset, trained_tokenizers_dir(dataset, data_dir()))


def decode_sources(model, variables, sources: np.ndarray, *, decoding: Decoding, max_length: int) -> np.ndarray:
    """``<int32>[n, max_length]`` output ids for ``<int32>[n, source_length]`` source ids, decoded
    ``DECODE_BATCH`` rows at a time as ``decoding`` says."""
    outputs = []
    for start in range(0, len(sources), DECODE_BATCH):
        batch = sources[start : start + DECODE_BATCH]
        padded = np.zeros((DECODE_BATCH, sources.shape[1]), np.int32)
        padded[: len(batch)] = batch
        tokens, _ = decode(model, variables, padded, max_length=max_length, **search_options(decoding))
        outputs.append(np.asarray(tokens)[: len(batch)])
    return np.concatenate(outputs) if outputs else np.zeros((0, max_length), np.int32)


def search_options(decoding: Decoding) -> dict:
    """``decoding`` as ``jax_zoo.models.decoding.decode``'s keyword arguments."""
    return dataclasses.asdict(decoding)


def decoded_texts(
    model, params, sources: np.ndarray, tokenizers: TextPairTokenizers, *, decoding: Decoding
) -> list[str]:
    """The output text of each row of ``<int32>[n, source_length]`` source ids (``decode_sources``,
    at most ``tokenizers.target_length`` tokens), decoded by the target tokenizer."""
    tokens = decode_sources(model, {"params": params}, sources, decoding=decoding, max_length=tokenizers.target_length)
    return [tokenizers.target.decode(row) for row in tokens]


def text_report(
    experiment, state, data: dict, workdir: str | os.PathLike | None = None, split: str = "test",
) -> dict[str, Any]:
    """``{"bleu", "chrf"[, "rouge_l"], "signatures", "decoding", "samples"}`` of ``split``'s
    arrays ``data`` decoded by ``state``'s evaluation weights; ``{}`` for entries of other tasks or
    datasets without text references."""
    references = None
    if experiment.task in TEXT_TASKS:
        references = text_references(experiment.dataset, split, data_dir())
    if references is None:
        return {}
    tokenizers = tokenizers_for(experiment.dataset, workdir)
    sources = np.asarray(data["inputs"])[:, : tokenizers.source_length]
    if len(references) != len(sources):
        raise ValueError(f"expected one reference per {split} example ({len(sources)}), got {len(references)}")
    params = state.for_evaluation().params
    outputs = decoded_texts(experiment.model, params, sources, tokenizers, decoding=experiment.decoding)
    scores = text_scores(outputs, references, rouge=experiment.task == "summarization")
    scores.pop("count")
    return scores | {
        "decoding": (
            f"{experiment.decoding.describe()}, at most {tokenizers.target_length} tokens; "
            f"sources cut to {tokenizers.source_length} tokens; scored against the whole reference texts"
        ),
        "samples": [
            {"source": tokenizers.source.decode(sources[row]), "reference": references[row], "output": outputs[row]}
            for row in range(min(SAMPLES, len(outputs)))
        ],
    }
