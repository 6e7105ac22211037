"""The README's Python examples run as written."""

import pytest
import os
import re
import subprocess
import sys
from pathlib import Path

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_examples_run(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    runnable = [block for block in blocks if "model.init(key" not in block]  # the first is a sketch
    assert len(runnable) >= 3
    script = tmp_path / "readme_examples.py"
    script.write_text("\n\n".join(runnable))
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "'accuracy'" in done.stdout and (tmp_path / "runs" / "blobs" / "results.json").is_file()


USERS_OWN_MODULES = ("train", "models", "zoo", "data", "utils")


def _readme_block(marker: str) -> str:
    blocks = [block for block in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S) if marker in block]
    assert len(blocks) == 1, f"expected one README block with {marker!r}, got {len(blocks)}"
    return blocks[0]


def _folder_of_a_user(tmp_path: Path) -> Path:
    """A folder holding a user's own train.py, models.py, zoo.py, data.py and utils.py: each fails
    loudly if anything of ours imports it in place of the zoo's own modules."""
    for name in USERS_OWN_MODULES:
        (tmp_path / f"{name}.py").write_text(f"raise ImportError('the user\\'s own {name}.py was imported')\n")
    return tmp_path


@pytest.mark.parametrize("marker", ["from jax_zoo.models import", "@zoo.register"])
def test_a_readme_block_saved_as_train_py_beside_the_users_own_modules_runs(tmp_path, marker):
    folder = _folder_of_a_user(tmp_path)
    (folder / "train.py").write_text(_readme_block(marker))
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "train.py"], cwd=folder, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_command_runs_beside_the_users_own_modules(tmp_path, zoo_command):
    folder = _folder_of_a_user(tmp_path)
    for command in (zoo_command, [sys.executable, "-m", "jax_zoo.cli"]):
        done = subprocess.run(
            [*command, "show", "digits_cnn"], cwd=folder, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert "digits_cnn" in done.stdout
