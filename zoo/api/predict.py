"""``zoo predict``: a trained entry (shipped weights or a workdir) on inputs of one's own.

What an input is depends on the entry: an image file for the image classifiers (the top-k
classes) and the denoiser (the cleaned image, written as a PNG), a surname for the names
classifiers (the top-k countries), a prompt for the character language models (its
continuation, ``jax_zoo.api.generate``), a text for the sequence-to-sequence entries (its
translation or summary, ``jax_zoo.api.translate``). Every input is checked and converted before the model
runs, so bad input writes nothing.
"""

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

import jax
import numpy as np

from jax_zoo.core.errors import ConfigError, ZooError
from jax_zoo.datasets import dataset_info
from jax_zoo.datasets.char_vocabulary import padded_ids
from jax_zoo.datasets.own_data import is_own, own_record
from jax_zoo.datasets.text_files import class_text_ids
from jax_zoo.datasets.names import COUNTRIES, COUNTRY_NAMES, MAX_LENGTH, VOCABULARY as NAMES_VOCABULARY
from jax_zoo.api.generate import VOCABULARIES, Generation, check_request, continue_prompt
from jax_zoo.datasets.image_files import image_example, write_image
from jax_zoo.api.pretrained import Pretrained, from_workdir, pretrained
from jax_zoo.api.text_outputs import TEXT_TASKS
from jax_zoo.api.translate import translate_with

DEFAULT_TOP_K = 3
DEFAULT_LENGTH = 200
CLASS_NAMES = {"names": tuple(f"{code} {COUNTRY_NAMES[code]}" for code in COUNTRIES)}
"""What each class index means where it says more than the dataset's class names (``class_names``)."""


@dataclasses.dataclass(frozen=True)
class Prediction:
    """One input's answer: ``classes`` (top-k ``(name, probability)``), ``text`` (a prompt's
    continuation), ``output`` (a text's translation or summary) or ``written`` (the denoised
    image's path), with conversion ``notes``."""

    input: str
    classes: list[tuple[str, float]] | None = None
    text: str | None = None
    output: str | None = None
    written: str | None = None
    notes: tuple[str, ...] = ()


def load(entry: str | None, workdir: str | os.PathLike | None = None) -> Pretrained:
    """The shipped weights of ``entry``, or the run trained in ``workdir`` when given (``entry``'s,
    when given)."""
    return from_workdir(workdir, entry) if workdir is not None else pretrained(entry)


def predict(
    trained: Pretrained,
    inputs: Sequence[str],
    *,
    top_k: int | None = None,
    output_dir: str | os.PathLike = ".",
    length: int = DEFAULT_LENGTH,
    temperature: float = 1.0,
    seed: int = 0,
    beam: int = 1,
) -> list[Prediction]:
    """``trained`` on each of ``inputs`` (image paths, surnames, prompts or texts, by its entry).

    ``top_k``: classes reported (default 3), or for a language model the characters it samples
    among (default: all). The denoiser writes ``<input stem>.denoised.png`` in ``output_dir``.
    A sequence-to-sequence entry decodes with a beam of ``beam`` (1: greedy).
    """
    if not inputs:
        raise ZooError(f"{trained.entry}: expected at least one input, got none")
    experiment = trained.experiment
    if experiment.task in TEXT_TASKS:
        translations = translate_with(
            experiment, trained.variables, list(inputs), beam=beam, workdir=trained.workdir, tokenizers=trained.tokenizers,
            where=f"{trained.source} holds entry {trained.entry!r}",
        )
        return [Prediction(input=translation.source, output=translation.output) for translation in translations]
    if experiment.task == "language_modeling" and experiment.dataset in VOCABULARIES:
        for prompt in inputs:
            check_request(prompt, length, temperature, top_k or 0)
        generations = [
            continue_prompt(trained, prompt, length=length, temperature=temperature, top_k=top_k or 0, seed=seed)
            for prompt in inputs
        ]
        return [
            Prediction(input=generation.prompt, text=generation.continuation, notes=_unknown_note(generation))
            for generation in generations
        ]
    if experiment.task == "denoising" and dataset_info(experiment.dataset).image_recipe is not None:
        return _denoise(trained, inputs, Path(output_dir))
    if experiment.task == "classification" and _reads_inputs(experiment.dataset):
        return _classify(trained, inputs, DEFAULT_TOP_K if top_k is None else top_k)
    raise ZooError(
        f"entry {trained.entry!r} ({experiment.task} on {experiment.dataset!r}) takes no inputs of one's own; "
        f"zoo predict knows image classifiers, surname classifiers, the denoiser, character language models and "
        f"sequence-to-sequence entries"
    )


def surname_ids(surnames: Sequence[str]) -> np.ndarray:
    """``<int32>[len(surnames), MAX_LENGTH]`` character ids, or ``ZooError`` for an empty surname,
    a long one or characters outside the names vocabulary (named)."""
    for surname in surnames:
        if not surname.strip():
            raise ZooError(f"surname {surname!r}: expected at least one letter, got an empty surname")
        if len(surname) > MAX_LENGTH:
            raise ZooError(f"surname {surname!r}: expected at most {MAX_LENGTH} characters, got {len(surname)}")
        unknown = NAMES_VOCABULARY.unknown_characters(surname)
        if unknown:
            raise ZooError(
                f"surname {surname!r}: {', '.join(map(repr, unknown))} not in the names vocabulary "
                f"(Latin letters, space and hyphen, as in the training surnames)"
            )
    return padded_ids(list(surnames), NAMES_VOCABULARY, MAX_LENGTH)


def class_names(dataset: str) -> tuple[str, ...]:
    """What each class index of ``dataset`` means: its class names (a folder's, a table's labels)."""
    info = dataset_info(dataset)
    return CLASS_NAMES.get(dataset) or info.class_names or tuple(str(index) for index in range(info.num_classes))


def _reads_inputs(dataset: str) -> bool:
    """Whether a classifier trained on ``dataset`` can read inputs of one's own."""
    own_texts = is_own(dataset) and own_record(dataset).kind == "text_classes"
    return dataset == "names" or own_texts or dataset_info(dataset).image_recipe is not None


def _classify(trained: Pretrained, inputs: Sequence[str], top_k: int) -> list[Prediction]:
    dataset = trained.experiment.dataset
    names = class_names(dataset)
    if not 1 <= top_k <= len(names):
        raise ConfigError(f"--top-k: expected a number of classes in [1, {len(names)}], got {top_k}")
    if dataset == "names":
        batch, notes = surname_ids(inputs), [()] * len(inputs)
    elif dataset_info(dataset).image_recipe is None:
        batch, notes = class_text_ids(dataset, list(inputs)), [()] * len(inputs)
    else:
        examples = [image_example(path, dataset) for path in inputs]
        batch, notes = np.stack([example.pixels for example in examples]), [example.notes for example in examples]
    probabilities = np.asarray(jax.nn.softmax(_apply(trained, batch), axis=-1))
    return [
        Prediction(
            input=str(text), notes=note,
            classes=[(names[index], float(row[index])) for index in np.argsort(-row, kind="stable")[:top_k]],
        )
        for text, note, row in zip(inputs, notes, probabilities)
    ]


def _denoise(trained: Pretrained, inputs: Sequence[str], output_dir: Path) -> list[Prediction]:
    examples = [image_example(path, trained.experiment.dataset) for path in inputs]
    targets = [output_dir / f"{Path(path).stem}.denoised.png" for path in inputs]
    if len(set(targets)) != len(targets):
        raise ZooError(f"inputs {', '.join(inputs)}: expected distinct file names, two would write the same output")
    if not output_dir.is_dir():
        raise ZooError(f"--output-dir {output_dir}: expected an existing directory")
    cleaned = np.asarray(_apply(trained, np.stack([example.pixels for example in examples])))
    predictions = []
    for path, example, image, target in zip(inputs, examples, cleaned, targets):
        write_image(target, image, inverted=example.inverted)
        predictions.append(Prediction(input=str(path), written=str(target), notes=example.notes))
    return predictions


def _apply(trained: Pretrained, batch: np.ndarray) -> jax.Array:
    return jax.jit(lambda variables, inputs: trained.model.apply(variables, inputs, train=False))(
        trained.variables, batch
    )


def _unknown_note(generation: Generation) -> tuple[str, ...]:
    if not generation.unknown_characters:
        return ()
    listed = ", ".join(map(repr, generation.unknown_characters))
    return (f"{listed} not in the vocabulary, read as the unknown symbol",)
