"""The README's numbers are the ones measured: each speed claim names the benchmark report beside
it, and that report says it; docs/vmap.md's speed-ups are its reports'; the PyTorch parity bound
docs/pytorch.md states is the one test_port.py holds. (Published results: test_published.py.)"""

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "zoo" / "published" / "bench"


def text_of(path: str) -> str:
    return " ".join((ROOT / path).read_text().split())


def jax_over_torch(report: dict) -> float:
    return report["ratio_jax_over_torch"]


SPEED_CLAIMS = [
    # the README's words, the report named after them, the ratio it reports, the range the words allow
    ("our CNN step runs ahead of eager PyTorch's", "fashion_simple_cnn_cpu.json", jax_over_torch, (1.05, 10.0)),
    ("our LSTM step level with it", "kjv_char_lstm_512_cpu.json", jax_over_torch, (0.9, 1.1)),
]


@pytest.mark.parametrize("words, report_name, ratio, bounds", SPEED_CLAIMS, ids=[claim[1] for claim in SPEED_CLAIMS])
def test_each_speed_claim_names_its_report_and_the_report_says_it(words, report_name, ratio, bounds):
    text = text_of("README.md")
    where = text.index(words)
    assert report_name in text[where : where + len(words) + 200], f"{words!r} names no {report_name}"
    report = json.loads((REPORTS / report_name).read_text())
    assert bounds[0] <= ratio(report) <= bounds[1], ratio(report)
    assert report["machine"]["cpu_count"] == 2 and report["machine"]["backend"] == "cpu"


def test_the_pytorch_parity_bound_in_the_docs_is_the_one_the_port_tests_hold():
    module = ast.parse((ROOT / "tests" / "test_port.py").read_text())
    (tolerance,) = [
        node.value.value for node in module.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "TOLERANCE"
    ]
    (stated,) = re.findall(r"which holds each under ([0-9.e-]+) \(", text_of("docs/pytorch.md"))
    assert float(stated) == tolerance


def test_the_vmap_speed_ups_in_the_docs_are_the_ones_their_reports_hold():
    rows = re.findall(r"^\| `(\w+)` \| (\d+) \|.*\| ([0-9.]+)x \| ([0-9.]+)x \|$", (ROOT / "docs" / "vmap.md").read_text(), re.M)
    assert len(rows) == 2
    for entry, epochs, speedup, without_compilation in rows:
        report = json.loads((REPORTS / f"vmap_{entry}_cpu.json").read_text())
        assert (report["epochs"], report["speedup_wall"], report["speedup_without_compile"]) == (
            int(epochs), float(speedup), float(without_compilation)
        ), entry
    (stated,) = re.findall(r"eight stacked runs train ([0-9.]+)x faster", text_of("docs/vmap.md"))
    assert float(stated) == json.loads((REPORTS / "vmap_names_tutorial_rnn_cpu.json").read_text())["speedup_wall"]
