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
