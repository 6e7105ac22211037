"""``python -m jax_zoo.baselines.paired_summaries WORKDIR``: a trained ``docstring_summary`` run
against the function's name as a sentence, function by function on the test split.

Both are scored with ROUGE-L per function; the mean of the per-function differences gets a
paired bootstrap interval (the functions resampled with replacement, the same draw for both), so
a lead smaller than the spread between functions is not read as a win. The model's outputs are
decoded as its test report decodes them. Prints the interval and writes it, with the
counts of functions each side wins and the first functions of each test package side by side,
to ``WORKDIR/paired_with_baseline.json``.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.stats import bootstrap

from jax_zoo.train.records import write_json_atomic
from jax_zoo.core.errors import WorkdirError, ZooError

RESAMPLES = 10_000
CONFIDENCE = 0.95
SAMPLES_PER_PACKAGE = 5
"""Test functions shown side by side (reference, baseline, model), the first of each test package."""


def paired_bootstrap(
    model_scores: Sequence[float], baseline_scores: Sequence[float], *, resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE, seed: int = 0,
) -> dict:
    """The mean of ``model_scores - baseline_scores`` (one pair per example) and its percentile
    bootstrap interval (``scipy.stats.bootstrap``, ``resamples`` draws from ``seed``), with the
    examples each side scores higher on and the ties."""
    model, baseline = np.asarray(model_scores, np.float64), np.asarray(baseline_scores, np.float64)
    if model.ndim != 1 or model.shape != baseline.shape or len(model) < 2:
        raise ValueError(
            f"expected two equally long lists of at least 2 scores, got {model.shape} and {baseline.shape}"
        )
    differences = model - baseline
    interval = bootstrap(
        (differences,), np.mean, n_resamples=resamples, confidence_level=confidence, method="percentile",
        rng=np.random.default_rng(seed),
    ).confidence_interval
    return {
        "count": len(differences),
        "model_mean": float(model.mean()),
        "baseline_mean": float(baseline.mean()),
        "mean_difference": float(differences.mean()),
        "interval": [float(interval.low), float(interval.high)],
        "confidence": confidence,
        "resamples": resamples,
        "model_higher": int((differences > 0).sum()),
        "baseline_higher": int((differences < 0).sum()),
        "ties": int((differences == 0).sum()),
    }


def compare_with_name_baseline(workdir: str | Path) -> dict:
    """``paired_bootstrap`` of the run's per-function test ROUGE-L against the name baseline's."""
    from jax_zoo.api.restore import restore
    from jax_zoo.api.text_metrics import rouge_l_scores
    from jax_zoo.api.text_outputs import decoded_texts, tokenizers_for
    from jax_zoo.baselines.name_sentence import name_as_sentence
    from jax_zoo.datasets import data_dir, docstring_pairs, load_dataset, package_docstrings

    built = restore(workdir)
    experiment = built.experiment
    corpora = {"package_docstrings": package_docstrings, "stdlib_docstrings": docstring_pairs}
    if experiment.dataset not in corpora:
        raise WorkdirError(f"{workdir}: expected a run on {' or '.join(corpora)}, got one on {experiment.dataset!r}")
    functions = corpora[experiment.dataset].split_functions("test", data_dir())
    tokenizers = tokenizers_for(experiment.dataset, workdir)
    sources = np.asarray(load_dataset(experiment.dataset, "test")["inputs"])[:, : tokenizers.source_length]
    outputs = decoded_texts(
        experiment.model, built.state.for_evaluation().params, sources, tokenizers, decoding=experiment.decoding
    )
    references = functions["summary"]
    baseline = [name_as_sentence(name) for name in functions["name"]]
    samples: dict[str, list[dict[str, str]]] = {}
    for name, package, reference, named, output in zip(functions["name"], functions["package"], references, baseline, outputs):
        shown = samples.setdefault(package, [])
        if len(shown) < SAMPLES_PER_PACKAGE:
            shown.append({"function": name, "reference": reference, "baseline": named, "model": output})
    return {
        "dataset": experiment.dataset,
        "split": "test",
        "metric": "rouge-score rougeL, use_stemmer=True, F-measure per function",
        "baseline": "the function's name as a sentence (zoo/baselines/name_sentence.py)",
        "decoding": f"{experiment.decoding.describe()}, as the test report",
        **paired_bootstrap(rouge_l_scores(outputs, references), rouge_l_scores(baseline, references)),
        "command": f"python -m jax_zoo.baselines.paired_summaries {workdir}",
        "samples": samples,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m jax_zoo.baselines.paired_summaries", description=__doc__.split("\n")[0])
    parser.add_argument("workdir", type=Path, help="a workdir trained by `zoo train docstring_summary`")
    args = parser.parse_args(argv)
    try:
        comparison = compare_with_name_baseline(args.workdir)
    except ZooError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    write_json_atomic(args.workdir / "paired_with_baseline.json", comparison)
    low, high = comparison["interval"]
    print(
        f"{comparison['dataset']} test, {comparison['count']} functions: model ROUGE-L {comparison['model_mean']:.4f}, "
        f"name baseline {comparison['baseline_mean']:.4f}; difference {comparison['mean_difference']:+.4f}, "
        f"{comparison['confidence']:.0%} paired bootstrap interval {low:+.4f} to {high:+.4f}; the model higher on {comparison['model_higher']}, "
        f"the baseline on {comparison['baseline_higher']}, ties {comparison['ties']}"
    )


if __name__ == "__main__":
    main()
