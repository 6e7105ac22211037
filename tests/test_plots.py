import json

import numpy as np
import pytest
from PIL import Image

from jax_zoo.cli import main
from jax_zoo.core.errors import WorkdirError
from jax_zoo.api import plots

HISTORY = [
    {"epoch": epoch, "step": 10 * epoch, "train_loss": 1 / epoch, "train_accuracy": 1 - 0.5 / epoch,
     "eval_loss": 1.2 / epoch, "eval_accuracy": 0.9 - 0.5 / epoch, "epoch_seconds": 0.1}
    for epoch in range(1, 6)
]


def saved(figure, path):
    figure.savefig(path, dpi=plots.DPI)
    return read_png(path)


def read_png(path):
    """The PNG as an RGB array; fails unless it is a valid PNG."""
    with Image.open(path) as image:
        assert image.format == "PNG"
        image.verify()
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def drawn(pixels):
    """Not one flat colour: something was drawn."""
    return pixels.std() > 10 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 10


def test_learning_curves_have_a_panel_per_metric_with_train_and_validation(tmp_path):
    assert plots.curve_names(HISTORY) == ["loss", "accuracy"]
    figure = plots.learning_curves_figure(HISTORY, title="run")
    assert [len(axis.get_lines()) for axis in figure.axes] == [2, 2]
    assert [line.get_label() for line in figure.axes[0].get_lines()] == ["train", "validation"]
    np.testing.assert_allclose(figure.axes[1].get_lines()[1].get_ydata(), [r["eval_accuracy"] for r in HISTORY])
    pixels = saved(figure, tmp_path / "curves.png")
    assert pixels.shape == (320, 800, 3) and drawn(pixels)


def test_a_run_without_validation_plots_train_curves_only():
    figure = plots.learning_curves_figure([{"epoch": 1, "step": 5, "train_loss": 2.0}, {"epoch": 2, "step": 10, "train_loss": 1.0}])
    assert [line.get_label() for line in figure.axes[0].get_lines()] == ["train"]


def test_confusion_matrix_normalizes_rows_and_writes_counts(tmp_path):
    matrix = np.array([[8, 2, 0], [1, 9, 0], [0, 0, 5]])
    figure = plots.confusion_matrix_figure(matrix, ["cat", "dog", "owl"], title="pets")
    axis = figure.axes[0]
    np.testing.assert_allclose(axis.get_images()[0].get_array(), matrix / matrix.sum(axis=1, keepdims=True))
    assert sorted(text.get_text() for text in axis.texts) == sorted(["8", "2", "1", "9", "5"])
    assert axis.get_title() == "pets: accuracy 88.00% of 25"
    pixels = saved(figure, tmp_path / "confusion.png")
    assert pixels.shape == (500, 500, 3) and drawn(pixels)
    large = saved(plots.confusion_matrix_figure(np.eye(14, dtype=int)), tmp_path / "large.png")
    assert large.shape == (900, 900, 3)


def test_text_and_image_samples(tmp_path):
    text = saved(plots.text_samples_figure({"temperature 0.5": "In the beginning " * 20, "temperature 1.0": "x"}), tmp_path / "t.png")
    assert text.shape[1] == 1000 and drawn(text)
    images = np.random.default_rng(0).uniform(size=(4, 8, 8, 1))
    pixels = saved(plots.image_samples_figure({"noisy": images, "clean": images}, title="t"), tmp_path / "i.png")
    assert pixels.shape == (280, 580, 3) and drawn(pixels)


@pytest.mark.slow
def test_zoo_plot_writes_the_curves_and_confusion_matrix_of_a_run(tmp_path, capsys):
    workdir = tmp_path / "digits"
    assert main(["train", "--workdir", str(workdir), "--set", "epochs=2", "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["plot", str(workdir)]) == 0
    written = capsys.readouterr().out.split()
    assert written == [str(workdir / "learning_curves.png"), str(workdir / "confusion_matrix.png")]
    assert read_png(workdir / "learning_curves.png").shape == (320, 800, 3)
    confusion = read_png(workdir / "confusion_matrix.png")
    assert confusion.shape == (700, 700, 3) and drawn(confusion)
    assert len(json.loads((workdir / "results.json").read_text())["test"]["confusion_matrix"]) == 10


def test_a_generator_gets_the_samples_of_its_task(tmp_path, monkeypatch):
    (tmp_path / "metrics.jsonl").write_text("\n".join(json.dumps(record) for record in HISTORY))
    results = {"entry": "lm", "dataset": "kjv", "task": "language_modeling", "test": {"loss": 1.0}}
    (tmp_path / "results.json").write_text(json.dumps(results))
    asked = []

    def fake_samples(workdir, given):
        asked.append((workdir, given))
        return plots.text_samples_figure({"temperature 1.0": "And God said"})

    monkeypatch.setitem(plots.SAMPLE_PLOTS, "language_modeling", fake_samples)
    assert [path.name for path in plots.plot_workdir(tmp_path)] == ["learning_curves.png", "samples.png"]
    assert asked == [(tmp_path, results)] and drawn(read_png(tmp_path / "samples.png"))
    assert [path.name for path in plots.plot_workdir(tmp_path, samples=False)] == ["learning_curves.png"]


def test_zoo_plot_refuses_a_directory_without_a_run(tmp_path, capsys):
    assert main(["plot", str(tmp_path)]) == 2
    assert "holds no training log" in capsys.readouterr().err
    with pytest.raises(WorkdirError):
        plots.plot_workdir(tmp_path)
