"""``python -m jax_zoo.baselines.paired WORKDIR``: a trained names run against the n-gram baseline,
name by name on the test split.

Accuracy alone cannot say whether a few names' difference is more than chance. On the test names
where exactly one of the two models is right, an exact McNemar test asks how likely a split at
least as uneven would be if each were equally likely to be the one right. The baseline is refit
with the ``C`` recorded in ``zoo/published/baselines/names.json`` (about 30 s). Prints the counts
and writes them to ``WORKDIR/paired_with_baseline.json``.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy.stats import binomtest

from jax_zoo.train.evaluate import predict
from jax_zoo.train.records import write_json_atomic
from jax_zoo.core import registry
from jax_zoo.baselines import PUBLISHED
from jax_zoo.core.config import resolve_config
from jax_zoo.core.errors import WorkdirError, ZooError
from jax_zoo.api.restore import read_run_config, restore


def paired_comparison(targets: np.ndarray, model_predictions: np.ndarray, baseline_predictions: np.ndarray) -> dict:
    """Counts of the examples both, only one or neither of two classifiers get right, and the
    two-sided exact McNemar p-value (a binomial test on the examples only one gets right)."""
    if not targets.shape == model_predictions.shape == baseline_predictions.shape:
        raise ValueError(
            f"expected three arrays of one shape, got targets {targets.shape}, model {model_predictions.shape},"
            f" baseline {baseline_predictions.shape}"
        )
    model_right, baseline_right = model_predictions == targets, baseline_predictions == targets
    only_model = int((model_right & ~baseline_right).sum())
    only_baseline = int((baseline_right & ~model_right).sum())
    discordant = only_model + only_baseline
    return {
        "count": int(targets.size),
        "both_right": int((model_right & baseline_right).sum()),
        "only_model_right": only_model,
        "only_baseline_right": only_baseline,
        "both_wrong": int((~model_right & ~baseline_right).sum()),
        "mcnemar_exact_p": float(binomtest(only_model, discordant).pvalue) if discordant else 1.0,
    }


def compare_with_baseline(workdir: str | Path) -> dict:
    from jax_zoo.baselines.ngram_logistic_regression import ngram_logistic_regression
    from jax_zoo.datasets import data_dir, load_dataset
    from jax_zoo.datasets.names import split_names

    run = read_run_config(workdir)
    dataset = registry.get(run["entry"])(**resolve_config(run["entry"], run["config"])).dataset
    if dataset != "names":
        raise WorkdirError(f"{workdir}: expected a run on the names dataset, got entry {run['entry']!r} on {dataset!r}")
    regularization = json.loads((PUBLISHED / "names.json").read_text())["selected_C"]
    built = restore(workdir)
    test = load_dataset("names", "test")
    train_texts, (test_texts, test_targets) = (split_names(split, data_dir()) for split in ("train", "test"))
    if not np.array_equal(test_targets, test["targets"]):
        raise WorkdirError("the names test split read as text and as token ids disagree: prepare the dataset afresh")
    model_predictions = predict(built.predict_step, built.state, test, built.experiment.eval_batch_size).argmax(axis=-1)
    baseline_predictions = ngram_logistic_regression(regularization).fit(*train_texts).predict(test_texts)
    return {
        "entry": run["entry"],
        "baseline": f"character 1-4-gram logistic regression, C = {regularization}",
        "split": "test",
        **paired_comparison(test["targets"], model_predictions, baseline_predictions),
        "command": f"python -m jax_zoo.baselines.paired {workdir}",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m jax_zoo.baselines.paired", description=__doc__.split("\n")[0])
    parser.add_argument("workdir", type=Path, help="a workdir trained by `zoo train` for a names entry")
    args = parser.parse_args(argv)
    try:
        comparison = compare_with_baseline(args.workdir)
    except ZooError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    write_json_atomic(args.workdir / "paired_with_baseline.json", comparison)
    print(
        f"{comparison['entry']} vs the n-gram baseline on {comparison['count']} test names: only the model right on"
        f" {comparison['only_model_right']}, only the baseline on {comparison['only_baseline_right']}"
        f" (both {comparison['both_right']}, neither {comparison['both_wrong']});"
        f" exact McNemar p = {comparison['mcnemar_exact_p']:.3f}"
    )


if __name__ == "__main__":
    main()
