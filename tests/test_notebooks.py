"""Every notebook runs top to bottom as a script under the small budget, and writes its figures.

``ZOO_NOTEBOOK_BUDGET=small`` makes each notebook shrink its data and epochs; a failing cell
(an exception or a failed ``assert``) fails the test. The notebooks run as plain Python
(jupytext's percent format is a script): executing them as notebooks (nbclient) would need an
IPython kernel, which the test environment does not install, and would only add its start-up.
"""

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ci_setup import require_extra

pytestmark = pytest.mark.slow

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.py"))
FIGURES = {
    "quickstart": ["quickstart/learning_curves.png", "quickstart/confusion_matrix.png", "quickstart/predictions.png"],
    "pure_functions": ["pure_functions/pure_functions.png"],
    "optimizers": ["optimizers/optimizers.png"],
    "overfitting": ["overfitting/overfitting.png"],
    "text": ["text/names_confusion.png", "text/hidden_state.png", "text/samples.png"],
    "extend": ["extend/wine/learning_curves.png", "extend/wine/confusion_matrix.png", "extend/moons/confusion_matrix.png"],
    "performance": ["performance/presets.png"],
    "flax_nnx": ["flax_nnx/training_loss.png", "flax_nnx/predictions.png"],
}
"""What each notebook must have written under ``runs/notebooks/``."""


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom(notebook, tmp_path):
    assert notebook.stem in FIGURES, f"list the figures {notebook.name} writes in FIGURES"
    env = {**os.environ, "MPLBACKEND": "Agg", "ZOO_NOTEBOOK_BUDGET": "small", "PYTHONWARNINGS": "ignore::UserWarning"}
    start, cpu_before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, str(notebook)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1200)
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
    print(f"{notebook.stem}: {time.perf_counter() - start:.1f} s, {cpu:.1f} s of CPU time")
    assert done.returncode == 0, done.stderr[-3000:]
    for figure in FIGURES[notebook.stem]:
        path = tmp_path / "runs" / "notebooks" / figure
        assert path.is_file() and path.stat().st_size > 10_000, f"{notebook.stem} did not draw {figure}"


def test_notebooks_are_jupytext_and_say_what_they_teach_and_take():
    jupytext = require_extra("notebooks", "jupytext")
    for notebook in NOTEBOOKS:
        cells = jupytext.read(notebook).cells
        assert cells[0].cell_type == "markdown", notebook.name
        assert "**What it teaches:**" in cells[0].source and "**Time:**" in cells[0].source, notebook.name
        assert "ZOO_NOTEBOOK_BUDGET=small" in cells[0].source, notebook.name
        assert any(cell.cell_type == "code" for cell in cells)
