"""The docs' numbers are the ones measured: the PyTorch parity bound docs/pytorch.md states is the
one test_port.py holds, and docs/vmap.md's speed-ups are its reports'. (Published results:
test_published.py; docs/performance.md's speed tables: test_benchmarks.py.)"""

import ast
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "zoo" / "published" / "bench"


def text_of(path: str) -> str:
    return " ".join((ROOT / path).read_text().split())


def test_the_pytorch_parity_bound_in_the_docs_is_the_one_the_port_tests_hold():
    module = ast.parse((ROOT / "tests" / "test_port.py").read_text())
    (tolerance,) = [
        node.value.value for node in module.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "TOLERANCE"
    ]
    (stated,) = re.findall(r"which holds each under ([0-9.e-]+) \(", text_of("docs/pytorch.md"))
    assert float(stated) == tolerance


def test_the_vmap_speed_ups_in_the_docs_are_the_ones_their_reports_hold():
    rows = re.findall(
        r"^\| `(\w+)`(?: \((\d) seeds\))? \| (\d+) \| ([0-9.]+) s \| ([0-9.]+) s \| ([0-9.]+) s \| ([0-9.]+)x \| ([0-9.]+)x \|$",
        (ROOT / "docs" / "vmap.md").read_text(), re.M,
    )
    assert len(rows) == 3
    for entry, seeds, epochs, sequence, one_program, groups, speedup, without_compilation in rows:
        report = json.loads((REPORTS / f"vmap_{entry}_cpu.json").read_text())
        seconds = report["median_wall_seconds"]
        assert (report["members"], report["epochs"], report["speedup_wall"], report["speedup_without_compile"]) == (
            int(seeds or 8), int(epochs), float(speedup), float(without_compilation)
        ), entry
        assert [round(seconds[side], 1) for side in ("sequential", "members_one_program", "members")] == [
            float(sequence), float(one_program), float(groups)
        ], entry
        assert all(timing["thread_groups"] > 1 for timing in report["timings"]["members"]), entry
    (stated,) = re.findall(r"eight stacked runs train ([0-9.]+)x faster", text_of("docs/vmap.md"))
    assert float(stated) == json.loads((REPORTS / "vmap_names_tutorial_rnn_cpu.json").read_text())["speedup_wall"]
