import json
from pathlib import Path

import pytest

from jax_zoo.cli import main
from jax_zoo.api.published import published_result
from jax_zoo.api.results import BEGIN, END, published_paths, read_results, result_summary, results_table, update_readme

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_table_is_the_one_generated_from_the_published_results():
    readme = (ROOT / "README.md").read_text()
    between = readme.split(BEGIN)[1].split(END)[0].strip()
    assert between == results_table(read_results(published_paths())), "run `zoo results --update README.md`"


def test_zoo_results_without_an_argument_prints_the_readme_s_table(capsys):
    assert main(["results"]) == 0
    out, err = capsys.readouterr()
    readme = (ROOT / "README.md").read_text()
    assert out.strip() == readme.split(BEGIN)[1].split(END)[0].strip() and err == ""
    assert len(out.strip().splitlines()) == 2 + len(published_paths())


def test_every_published_result_has_a_row_with_its_command():
    table = results_table(read_results(published_paths()))
    for path in published_paths():
        assert f"zoo train {path.stem}` |" in table


def test_a_run_made_with_xla_flags_shows_them_in_its_command():
    digits = published_result("digits_cnn")
    flagged = digits | {"machine": digits["machine"] | {"xla_flags": "--xla_cpu_experimental_ynn_fusion_type="}}
    row = results_table([flagged]).splitlines()[-1]
    assert row.endswith("| `XLA_FLAGS=--xla_cpu_experimental_ynn_fusion_type= zoo train digits_cnn` |")
    assert results_table([digits]).splitlines()[-1].endswith("| `zoo train digits_cnn` |")


def test_headline_results_read_like_the_issue_states_them():
    digits = published_result("digits_cnn")
    assert result_summary(digits) == "accuracy 98.61% (355/360), macro-F1 0.986"
    language_model = {"test": {"loss": 1.2, "bits_per_character": 1.7721, "accuracy": 0.64, "count": 2804}}
    assert result_summary(language_model) == "1.772 bits per character"
    denoiser = {"test": {"loss": 0.012, "mse": 0.012, "count": 10_000, "noisy_input_mse": 0.09}}
    assert result_summary(denoiser) == "MSE 0.0120 (noisy input 0.0900: 87% lower)"
    translator = {"test": {"loss": 0.001, "exact_match": 0.999, "token_accuracy": 0.9999, "count": 2000}}
    assert result_summary(translator) == "exact match 99.90% (1,998/2,000)"


def test_update_rewrites_only_the_table_between_the_markers(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\n{BEGIN}\nold table\n{END}\n\nafter\n")
    workdir = tmp_path / "run"
    workdir.mkdir()
    (workdir / "results.json").write_text(json.dumps(published_result("digits_cnn")))
    assert main(["results", str(workdir), "--update", str(readme)]) == 0
    text = readme.read_text()
    assert text.startswith("# title\n\n") and text.endswith(f"{END}\n\nafter\n") and "old table" not in text
    assert "| `digits_cnn` | digits | accuracy 98.61% (355/360), macro-F1 0.986 | 30 |" in text


def test_missing_markers_and_unreadable_results_are_named(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("no markers\n")
    with pytest.raises(Exception, match="expected one line .* around the results table"):
        update_readme(readme, "table")
    assert main(["results", str(tmp_path / "nothing.json")]) == 2
    assert "expected a results.json written by `zoo train`, could not read" in capsys.readouterr().err
