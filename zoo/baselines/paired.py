"""``python -m jax_zoo.baselines.paired (WORKDIR | --pretrained ENTRY) [--names test|beyond]``: a
trained names model against the n-gram baseline, name by name.

Accuracy alone cannot say whether a few names' difference is more than chance. On the names
where exactly one of the two models is right, an exact McNemar test asks how likely a split at
least as uneven would be if each were equally likely to be the one right. The baseline is refit
with the ``C`` recorded in ``zoo/published/baselines/names.json`` (about 30 s).

``--names test`` (default) reads the dataset's test split; ``--names beyond`` about 12,000
surnames the dataset does not hold (ranked 3,001-4,000 in one country,
``jax_zoo.datasets.names.surnames_beyond_lists``), as a user's own surnames are. Prints the counts
and writes them to ``WORKDIR/paired_with_baseline[_beyond].json``, or to ``--output``.
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
from jax_zoo.api.build import Built
from jax_zoo.api.pretrained import pretrained_built, weights_record
from jax_zoo.api.restore import read_run_config, restore

NAME_SETS = ("test", "beyond")


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
        "model_accuracy": float(model_right.mean()) if targets.size else 0.0,
        "baseline_accuracy": float(baseline_right.mean()) if targets.size else 0.0,
        "both_right": int((model_right & baseline_right).sum()),
        "only_model_right": only_model,
        "only_baseline_right": only_baseline,
        "both_wrong": int((~model_right & ~baseline_right).sum()),
        "mcnemar_exact_p": float(binomtest(only_model, discordant).pvalue) if discordant else 1.0,
    }


def compare_with_baseline(workdir: str | Path | None = None, *, pretrained: str | None = None, names: str = "test") -> dict:
    """The paired comparison of the names model in ``workdir`` (or ``pretrained``'s shipped
    weights) with the n-gram baseline on the ``names`` set (``NAME_SETS``)."""
    from jax_zoo.baselines.ngram_logistic_regression import ngram_logistic_regression
    from jax_zoo.datasets import data_dir, load_dataset
    from jax_zoo.datasets.names import load_last_names, names_arrays, split_names, surnames_beyond_lists, COUNTRIES

    if names not in NAME_SETS:
        raise ZooError(f"names: expected one of {NAME_SETS}, got {names!r}")
    built, entry = _names_model(workdir, pretrained)
    regularization = json.loads((PUBLISHED / "names.json").read_text())["selected_C"]
    train_texts = split_names("train", data_dir())
    if names == "test":
        texts, targets = split_names("test", data_dir())
        arrays = load_dataset("names", "test")
        if not np.array_equal(targets, arrays["targets"]):
            raise WorkdirError("the names test split read as text and as token ids disagree: prepare the dataset afresh")
    else:
        beyond = surnames_beyond_lists(load_last_names())
        texts, targets = [name for name, _ in beyond], np.array([COUNTRIES.index(country) for _, country in beyond], np.int32)
        arrays = names_arrays(texts, targets)
    state = built.experiment.final_eval_state(built.state)
    model_predictions = predict(built.predict_step, state, arrays, built.experiment.eval_batch_size).argmax(axis=-1)
    baseline_predictions = ngram_logistic_regression(regularization).fit(*train_texts).predict(texts)
    source = f"--pretrained {pretrained}" if pretrained else str(workdir)
    weights = {"weights_sha256": weights_record(pretrained)["sha256"]} if pretrained else {}
    return {
        "entry": entry,
        "model": f"shipped weights of {pretrained}" if pretrained else f"run in {workdir}",
        **weights,
        "baseline": f"character 1-4-gram logistic regression, C = {regularization}",
        "names": names,
        **paired_comparison(arrays["targets"], model_predictions, baseline_predictions),
        "command": f"python -m jax_zoo.baselines.paired {source} --names {names}",
    }


def _names_model(workdir: str | Path | None, pretrained: str | None) -> tuple[Built, str]:
    """The built names model of ``workdir`` or of ``pretrained``'s shipped weights, and its entry."""
    if pretrained is None:
        run = read_run_config(workdir)
        entry = run["entry"]
        dataset = registry.get(entry)(**resolve_config(entry, run["config"])).dataset
        if dataset != "names":
            raise WorkdirError(f"{workdir}: expected a run on the names dataset, got entry {entry!r} on {dataset!r}")
        return restore(workdir), entry
    built = pretrained_built(pretrained)
    if built.experiment.dataset != "names":
        raise ZooError(f"expected a names entry, got {pretrained!r}, an entry on {built.experiment.dataset!r}")
    return built, pretrained


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m jax_zoo.baselines.paired", description=__doc__.split("\n")[0])
    parser.add_argument("workdir", type=Path, nargs="?", help="a workdir trained by `zoo train` for a names entry")
    parser.add_argument("--pretrained", metavar="ENTRY", help="the shipped weights of a names entry instead of a workdir")
    parser.add_argument("--names", choices=NAME_SETS, default="test",
                        help="the test split, or surnames beyond the dataset's lists (default: test)")
    parser.add_argument("--output", type=Path, help="where to write the counts (default: in the workdir)")
    args = parser.parse_args(argv)
    if (args.workdir is None) == (args.pretrained is None):
        parser.error("expected a WORKDIR or --pretrained ENTRY, one of the two")
    if args.output is None and args.workdir is None:
        parser.error("--pretrained needs --output FILE: where to write the counts")
    suffix = "" if args.names == "test" else f"_{args.names}"
    output = args.output or args.workdir / f"paired_with_baseline{suffix}.json"
    try:
        comparison = compare_with_baseline(args.workdir, pretrained=args.pretrained, names=args.names)
    except ZooError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    write_json_atomic(output, comparison)
    print(
        f"{comparison['entry']} vs the n-gram baseline on {comparison['count']:,} {args.names} names:"
        f" accuracy {comparison['model_accuracy']:.2%} vs {comparison['baseline_accuracy']:.2%};"
        f" only the model right on {comparison['only_model_right']}, only the baseline on {comparison['only_baseline_right']}"
        f" (both {comparison['both_right']}, neither {comparison['both_wrong']});"
        f" exact McNemar p = {comparison['mcnemar_exact_p']:.3f}"
    )


if __name__ == "__main__":
    main()
