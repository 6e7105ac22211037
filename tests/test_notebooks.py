import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.py"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom(notebook, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg", "QUICKSTART_WORKDIR": str(tmp_path / "run")}
    done = subprocess.run([sys.executable, str(notebook)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "run" / "learning_curve.png").stat().st_size > 0


def test_notebooks_are_valid_jupytext():
    jupytext = pytest.importorskip("jupytext")
    for notebook in NOTEBOOKS:
        cells = jupytext.read(notebook).cells
        assert any(cell.cell_type == "markdown" for cell in cells) and any(cell.cell_type == "code" for cell in cells)
