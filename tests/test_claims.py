"""The README's numbers are the ones measured: each speed claim names the benchmark report beside
it, and that report says it; the PyTorch parity bound it states is the one test_port.py holds.
(Published results: test_published.py.)"""

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "zoo" / "published" / "bench"


def readme_text() -> str:
    return " ".join((ROOT / "README.md").read_text().split())


def jax_over_torch(report: dict) -> float:
    return report["ratio_jax_over_torch"]


def preset_speedup(report: dict) -> float:
    return report["step_ms"]["readme_snippet_without_preset"] / report["step_ms"]["readme_snippet"]


SPEED_CLAIMS = [
    # the README's words, the report named after them, the ratio it reports, the range the words allow
    ("our CNN and LSTM steps outrun PyTorch's", "fashion_simple_cnn_cpu.json", jax_over_torch, (1.0, 10.0)),
    ("our CNN and LSTM steps outrun PyTorch's", "kjv_char_lstm_512_cpu.json", jax_over_torch, (1.0, 10.0)),
    ("suit a plain CNN on a CPU (about 3x faster", "readme_snippet_cpu.json", preset_speedup, (2.5, 3.5)),
]


@pytest.mark.parametrize("words, report_name, ratio, bounds", SPEED_CLAIMS, ids=[claim[1] for claim in SPEED_CLAIMS])
def test_each_speed_claim_names_its_report_and_the_report_says_it(words, report_name, ratio, bounds):
    text = readme_text()
    where = text.index(words)
    assert report_name in text[where : where + len(words) + 200], f"{words!r} names no {report_name}"
    report = json.loads((REPORTS / report_name).read_text())
    assert bounds[0] <= ratio(report) <= bounds[1], ratio(report)
    assert report["machine"]["cpu_count"] == 2 and report["machine"]["backend"] == "cpu"


def test_the_pytorch_parity_bound_in_the_readme_is_the_one_the_port_tests_hold():
    module = ast.parse((ROOT / "tests" / "test_port.py").read_text())
    (tolerance,) = [
        node.value.value for node in module.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "TOLERANCE"
    ]
    (stated,) = re.findall(r"match PyTorch's outputs within ([0-9.e-]+), the tests' bound", readme_text())
    assert float(stated) == tolerance
