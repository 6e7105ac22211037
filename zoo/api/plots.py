"""``zoo plot``: a run's figures as PNG files in its workdir.

- ``learning_curves.png``: every metric of ``metrics.jsonl``, train and validation, by epoch;
- ``confusion_matrix.png``: a classifier's test confusion matrix (``results.json``), rows
  normalized (each row is one true class);
- ``samples.png``: what a generator makes, by task (``SAMPLE_PLOTS``): a language model's text
  at a few temperatures, a denoiser's outputs between its noisy inputs and the clean images.

Each ``*_figure`` function returns a matplotlib ``Figure`` (shown inline by a notebook) drawn
without pyplot, so plotting changes no global state; sizes are exact (``DPI`` dots per inch,
no tight cropping). matplotlib is imported when a figure is drawn, not with ``zoo``.
"""

import json
import os
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jax_zoo.core.errors import WorkdirError, ZooError
from jax_zoo.datasets import dataset_info, load_dataset

DPI = 100
TEMPERATURES = (0.5, 0.8, 1.0, 1.2)
PROMPTS = {"kjv": "And God said", "python_source": "def "}
"""The prompt a language model's samples continue, by dataset (default: a newline)."""
SAMPLE_LENGTH = 200
SAMPLE_IMAGES = 8


def _figure(width: float, height: float):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ZooError("plots: expected matplotlib, which is not installed (pip install 'jax-zoo[plot]')") from None

    return Figure(figsize=(width, height), dpi=DPI)


def read_history(workdir: str | os.PathLike) -> list[dict[str, Any]]:
    """The epoch records of ``workdir/metrics.jsonl``."""
    path = Path(workdir) / "metrics.jsonl"
    if not path.is_file():
        raise WorkdirError(f"{workdir} holds no training log: expected {path}, written by `zoo train`")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def curve_names(history: Sequence[Mapping[str, Any]]) -> list[str]:
    """The metrics logged with a ``train_`` or ``eval_`` prefix, in the order first logged."""
    names: dict[str, None] = {}
    for record in history:
        for key in record:
            prefix, _, name = key.partition("_")
            if prefix in ("train", "eval"):
                names.setdefault(name)
    return list(names)


def learning_curves_figure(history: Sequence[Mapping[str, Any]], title: str = ""):
    """One panel per metric (4 x 3.2 inches each, side by side): train and validation by epoch."""
    names = curve_names(history)
    if not names:
        raise WorkdirError("expected epoch records with train_* or eval_* metrics, got none")
    figure = _figure(4 * len(names), 3.2)
    epochs = [record["epoch"] for record in history]
    for index, name in enumerate(names):
        axis = figure.add_subplot(1, len(names), index + 1)
        for prefix, label in (("train", "train"), ("eval", "validation")):
            values = [record.get(f"{prefix}_{name}", np.nan) for record in history]
            if not np.all(np.isnan(values)):
                axis.plot(epochs, values, marker="." if len(epochs) < 30 else None, label=label)
        axis.set(xlabel="epoch", title=name.replace("_", " "))
        axis.grid(alpha=0.3)
        axis.legend()
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def confusion_matrix_figure(matrix, class_names: Sequence[str] | None = None, title: str = ""):
    """Rows (true classes) normalized to sum to 1, counts written in the cells up to 20 classes.
    ``0.5 * classes + 2`` inches square, at least 5."""
    matrix = np.asarray(matrix)
    classes = len(matrix)
    names = list(class_names) if class_names is not None else [str(index) for index in range(classes)]
    size = max(5.0, 0.5 * classes + 2)
    figure = _figure(size, size)
    axis = figure.add_subplot()
    totals = matrix.sum(axis=1, keepdims=True)
    rates = np.divide(matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)
    image = axis.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    figure.colorbar(image, ax=axis, fraction=0.046, pad=0.04, label="fraction of the true class")
    axis.set_xticks(range(classes), names, rotation=90 if max(map(len, names)) > 2 else 0)
    axis.set_yticks(range(classes), names)
    axis.set(xlabel="predicted", ylabel="true")
    if classes <= 20:
        for row in range(classes):
            for column in range(classes):
                if matrix[row, column]:
                    color = "white" if rates[row, column] > 0.5 else "black"
                    axis.text(column, row, str(matrix[row, column]), ha="center", va="center", fontsize=7, color=color)
    accuracy = np.trace(matrix) / max(matrix.sum(), 1)
    axis.set_title(f"{title + ': ' if title else ''}accuracy {accuracy:.2%} of {matrix.sum():,}")
    figure.tight_layout()
    return figure


def text_samples_figure(samples: Mapping[str, str], title: str = "", width: int = 100):
    """Each sample under its label, wrapped at ``width`` characters; 10 inches wide."""
    blocks = [(label, textwrap.wrap(text.replace("\n", " ⏎ "), width) or [""]) for label, text in samples.items()]
    lines = sum(len(wrapped) + 1.5 for _, wrapped in blocks) + (1.5 if title else 0)
    height = 0.2 * lines + 0.3
    figure = _figure(10, height)
    y = 1 - 0.15 / height
    step = 0.2 / height
    if title:
        figure.text(0.02, y, title, fontsize=11, weight="bold", va="top")
        y -= 1.5 * step
    for label, wrapped in blocks:
        figure.text(0.02, y, label, fontsize=9, weight="bold", va="top")
        y -= step
        for line in wrapped:
            figure.text(0.04, y, line, fontsize=9, family="monospace", va="top")
            y -= step
        y -= 0.5 * step
    return figure


def image_samples_figure(rows: Mapping[str, np.ndarray], title: str = ""):
    """One row of images per label (``<float>[count, height, width, 1|3]`` each, values in [0, 1]);
    1.2 inches per image and per row."""
    count = max(len(images) for images in rows.values())
    figure = _figure(1.2 * count + 1, 1.2 * len(rows) + (0.4 if title else 0))
    for row, (label, images) in enumerate(rows.items()):
        for column, image in enumerate(images):
            axis = figure.add_subplot(len(rows), count, row * count + column + 1)
            image = np.clip(np.asarray(image, np.float32), 0, 1)
            axis.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray", vmin=0, vmax=1)
            axis.set_xticks([])
            axis.set_yticks([])
            if column == 0:
                axis.set_ylabel(label)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def language_model_samples(workdir: Path, results: Mapping[str, Any]) -> Any:
    from jax_zoo.api.generate import generate

    prompt = PROMPTS.get(results["dataset"], "\n")
    samples = {
        f"temperature {temperature}": prompt + generate(workdir, prompt, length=SAMPLE_LENGTH, temperature=temperature).continuation
        for temperature in TEMPERATURES
    }
    return text_samples_figure(samples, title=f"samples from {workdir.name} (prompt {prompt!r})")


def denoiser_samples(workdir: Path, results: Mapping[str, Any]) -> Any:
    from jax_zoo.train import predict
    from jax_zoo.api.restore import restore

    trained = restore(workdir)
    test = load_dataset(trained.experiment.dataset, "test")
    batch = {key: value[:SAMPLE_IMAGES] for key, value in test.items()}
    outputs = predict(trained.predict_step, trained.experiment.final_eval_state(trained.state), batch, SAMPLE_IMAGES)
    rows = {"noisy": batch["inputs"], "denoised": outputs, "clean": batch["targets"]}
    return image_samples_figure(rows, title=f"{trained.name}: the first {SAMPLE_IMAGES} test images")


SAMPLE_PLOTS: dict[str, Callable[[Path, Mapping[str, Any]], Any]] = {
    "language_modeling": language_model_samples,
    "denoising": denoiser_samples,
}
"""What ``samples.png`` shows, by ``Experiment.task``: ``plot(workdir, results) -> Figure``; a
task not here gets none. Sequence-to-sequence entries add theirs here (e.g. attention maps
over a few test sentences)."""


def _save(figure, path: Path) -> Path:
    figure.savefig(path, dpi=DPI)
    return path


def plot_workdir(workdir: str | os.PathLike, *, samples: bool = True) -> list[Path]:
    """Writes the run's figures into ``workdir`` and returns their paths: learning curves always;
    the confusion matrix and samples once the run has finished (``results.json``)."""
    workdir = Path(workdir)
    history = read_history(workdir)
    written = [_save(learning_curves_figure(history, title=workdir.name), workdir / "learning_curves.png")]
    results_path = workdir / "results.json"
    if not results_path.is_file():
        return written
    results = json.loads(results_path.read_text())
    confusion = results.get("test", {}).get("confusion_matrix")
    if confusion is not None:
        names = dataset_info(results["dataset"]).class_names
        figure = confusion_matrix_figure(confusion, names, title=f"{results['entry']}, test")
        written.append(_save(figure, workdir / "confusion_matrix.png"))
    plot_samples = SAMPLE_PLOTS.get(results.get("task"))
    if samples and plot_samples is not None:
        written.append(_save(plot_samples(workdir, results), workdir / "samples.png"))
    return written
