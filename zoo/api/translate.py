"""``translate``: a trained sequence-to-sequence entry's output for a user's own text.

Texts are checked before anything is restored or computed: each must be non-empty, at most the
dataset's source length (longer texts are refused, not truncated: a cut sentence would be
translated as if it were whole) and made of characters the source tokenizer knows (a subword
tokenizer would read others as its unknown id, which training never showed the model: refused
too). A run's trained tokenizers are read from its workdir (``text_pairs.run_tokenizers``). The batch of
texts is decoded at once (``jax_zoo.models.decoding.decode``: greedy for ``beam=1``, else beam search),
one compilation per number of texts, beam width and maximum length.
"""

import dataclasses
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from jax_zoo.models.decoding import decode
from jax_zoo.core.errors import ConfigError, WorkdirError
from jax_zoo.datasets.text_pairs import TextPairTokenizers, text_pair_datasets
from jax_zoo.api.build import Built
from jax_zoo.api.restore import restore
from jax_zoo.api.text_outputs import TEXT_TASKS, search_options, tokenizers_for


@dataclasses.dataclass(frozen=True)
class Translation:
    source: str
    output: str
    attention: np.ndarray
    """``<float32>[output tokens, source tokens]``: each output token's (its end marker last)
    attention over the source's tokens; rows sum to 1."""
    source_tokens: tuple[str, ...] = ()
    output_tokens: tuple[str, ...] = ()
    """Each token's text (characters or subwords), for the attention map's labels."""


def check_request(texts: Sequence[str], beam: int, max_length: int | None) -> None:
    """Raises ``ConfigError`` naming the bad value (before anything is restored)."""
    if isinstance(texts, str) or not texts:
        raise ConfigError(f"texts: expected a list of at least one text, got {texts!r}")
    for index, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip():
            raise ConfigError(f"text {index + 1}: expected a non-empty text, got {text!r}")
    if not isinstance(beam, int) or beam < 1:
        raise ConfigError(f"--beam: expected a beam width of at least 1, got {beam!r}")
    if max_length is not None and (not isinstance(max_length, int) or max_length <= 0):
        raise ConfigError(f"--max-length: expected a positive number of output tokens, got {max_length!r}")


def encode_sources(texts: Sequence[str], tokenizers: TextPairTokenizers) -> np.ndarray:
    """``<int32>[len(texts), source_length]`` right-padded ids, or ``ConfigError`` naming a text
    that is too long or holds characters the tokenizer does not know."""
    ids = np.zeros((len(texts), tokenizers.source_length), np.int32)
    for index, text in enumerate(texts):
        unknown = tokenizers.source.unknown_characters(text)
        if unknown:
            symbols = getattr(tokenizers.source, "symbols", None)
            expected = f"characters among {symbols!r}" if symbols else "characters of its training texts"
            raise ConfigError(
                f"text {index + 1} ({text[:60]!r}): {', '.join(map(repr, unknown))} not in the model's source "
                f"vocabulary; expected {expected}"
            )
        encoded = tokenizers.source.encode(text)
        if len(encoded) > tokenizers.source_length:
            raise ConfigError(
                f"text {index + 1}: expected at most {tokenizers.source_length} source tokens, the model's "
                f"maximum, got {len(encoded)} (longer texts are refused rather than cut)"
            )
        ids[index, : len(encoded)] = encoded
    return ids


def translate(
    workdir_or_built: str | os.PathLike | Built,
    texts: Sequence[str],
    *,
    beam: int = 1,
    max_length: int | None = None,
    entry: str | None = None,
) -> list[Translation]:
    """The outputs of the model trained in ``workdir_or_built`` (a workdir, which must be
    ``entry``'s when given, or a ``jax_zoo.restore``d ``Built``) for ``texts``, with their attention.

    ``beam = 1`` decodes greedily; ``max_length`` (output tokens, end marker included) defaults
    to the dataset's target length. Trained tokenizers are the workdir's (a ``Built`` that was
    not restored from one reads those prepared in the data dir).
    """
    check_request(texts, beam, max_length)
    built = workdir_or_built if isinstance(workdir_or_built, Built) else restore(workdir_or_built, entry)
    where = built.name if isinstance(workdir_or_built, Built) else workdir_or_built
    workdir = None if isinstance(workdir_or_built, Built) else workdir_or_built
    variables = {"params": built.state.for_evaluation().params}
    return translate_with(built.experiment, variables, texts, beam=beam, max_length=max_length, workdir=workdir,
                          where=f"{where} holds entry {built.name!r}")


def translate_with(
    experiment, variables, texts: Sequence[str], *, beam: int = 1, max_length: int | None = None,
    workdir: str | os.PathLike | None = None, where: str = "the model", tokenizers: str | os.PathLike | None = None,
) -> list[Translation]:
    """``translate`` for an experiment and its evaluation ``variables`` (``{"params": ...}``),
    tokenizers read from ``workdir`` or the folder ``tokenizers`` (see ``text_outputs.tokenizers_for``)."""
    check_request(texts, beam, max_length)
    if experiment.task not in TEXT_TASKS or experiment.dataset not in text_pair_datasets():
        raise WorkdirError(
            f"{where} ({experiment.task} on {experiment.dataset!r}); expected a sequence-to-sequence entry "
            f"trained on one of {text_pair_datasets()}"
        )
    tokenizers = tokenizers_for(experiment.dataset, workdir, tokenizers)
    source = encode_sources(texts, tokenizers)
    decoding = dataclasses.replace(experiment.decoding, beam_size=beam)
    tokens, attention = decode(
        experiment.model, variables, source, max_length=max_length or tokenizers.target_length,
        **search_options(decoding),
    )
    tokens, attention = np.asarray(tokens), np.asarray(attention)
    translations = []
    for row, text in enumerate(texts):
        ids = tokens[row].tolist()
        steps = ids.index(tokenizers.eos_id) + 1 if tokenizers.eos_id in ids else len(ids)
        source_ids = source[row][source[row] != 0].tolist()
        translations.append(Translation(
            source=text, output=tokenizers.target.decode(tokens[row]),
            attention=attention[row, :steps, : len(source_ids)],
            source_tokens=tuple(tokenizers.source.decode([i]) for i in source_ids),
            output_tokens=tuple("</s>" if i == tokenizers.eos_id else tokenizers.target.decode([i]) for i in ids[:steps]),
        ))
    return translations


def check_plot_path(path: str | os.PathLike) -> Path:
    """``path`` as a ``Path`` if a PNG can be written there, else ``ConfigError``."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ConfigError(f"--attention: expected a .png file name, got {str(path)!r}")
    if not path.parent.is_dir():
        raise ConfigError(f"--attention: expected a file in an existing folder, got {str(path)!r}")
    return path


def plot_attention(translations: Sequence[Translation], path: str | os.PathLike) -> Path:
    """Writes each translation's attention map (output tokens down, source tokens across)
    to one PNG, atomically; returns its path."""
    from matplotlib.figure import Figure

    path = check_plot_path(path)
    figure = Figure(figsize=(8, 3.2 * len(translations)), layout="constrained")
    for axes, translation in zip(np.atleast_1d(figure.subplots(len(translations), 1)), translations):
        weights = translation.attention
        axes.imshow(weights, cmap="Greys", vmin=0.0, vmax=1.0, aspect="auto")
        axes.set_xticks(range(weights.shape[1]), translation.source_tokens, fontsize=7, rotation=90)
        axes.set_yticks(range(weights.shape[0]), translation.output_tokens, fontsize=7)
        axes.set_title(f"{translation.source} -> {translation.output}", fontsize=9)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".png", delete=False) as file:
        figure.savefig(file, format="png", dpi=120)
    os.replace(file.name, path)
    return path
