"""Hashed n-gram tables cut to the rows that training n-grams reach, for smaller shipped weights.

A ``NgramEmbed`` table holds one row per hash bucket, and most buckets are reached by no n-gram
of the training split: their rows were shaped only by initialisation and by n-grams holding the
unknown symbol that character dropout writes. ``keep_reached_rows`` sets to zero every row that
fewer than ``least`` training n-grams reach, so the tables can be stored sparse
(``weights_format.safetensors_bytes(..., sparse_rows=ngram_table_paths(variables))``); a name
whose n-gram lands on a zeroed row reads it as an n-gram never seen.

    python -m jax_zoo.api.ngram_rows WORKDIR [--least 1 2 3]

scores a finished run with its tables whole (``least`` 0, as trained) and cut at each
``least``, stored in bfloat16 as they would ship, on the validation and test splits (and, for the
names dataset, on the surnames beyond its lists), with the rows kept and the file's bytes: how
the cut for the shipped weights is chosen, on validation.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from flax import traverse_util

from jax_zoo.models.rnn import SequenceClassifier, ngram_bucket_ids
from jax_zoo.core.errors import ZooError
from jax_zoo.datasets import load_dataset
from jax_zoo.api.weights_format import SEPARATOR, safetensors_bytes, stored_as

TABLES = "ngrams"
"""The name of a ``SequenceClassifier``'s ``NgramEmbed`` submodule, whose tables are ``order_N``."""


def ngram_classifier(model) -> SequenceClassifier | None:
    """The ``SequenceClassifier`` with n-gram tables in ``model`` (itself, or an ensemble's member)."""
    model = getattr(model, "member", model)
    return model if isinstance(model, SequenceClassifier) and model.ngram_orders else None


def reach_counts(tokens: np.ndarray, classifier: SequenceClassifier) -> dict[int, np.ndarray]:
    """``{order: <int64>[buckets]}``: how many n-grams of ``<int32>[n, time]`` padded token ids
    (padding 0) reach each row of the table of that order."""
    real = np.asarray(tokens) != 0
    return {
        order: np.bincount(
            np.asarray(ngram_bucket_ids(tokens, order, classifier.vocab_size, classifier.ngram_buckets))[real],
            minlength=classifier.ngram_buckets,
        )
        for order in classifier.ngram_orders
    }


def ngram_table_paths(variables: dict[str, Any]) -> list[str]:
    """The flattened paths (``weights_format``'s) of the n-gram tables in ``variables``."""
    return [
        SEPARATOR.join(path) for path in traverse_util.flatten_dict(variables)
        if len(path) >= 3 and path[-3] == TABLES and path[-1] == "embedding"
    ]


def training_reach_counts(experiment, where: str) -> dict[int, np.ndarray]:
    """``reach_counts`` of ``experiment``'s training split for its model's n-gram tables; a model
    without them is an error naming ``where`` the request came from."""
    classifier = ngram_classifier(experiment.model)
    if classifier is None:
        raise ZooError(
            f"{where}: expected a model with hashed n-gram tables, got one without ({type(experiment.model).__name__})"
        )
    return reach_counts(np.asarray(load_dataset(experiment.dataset, experiment.train_split)["inputs"]), classifier)


def keep_reached_rows(
    variables: dict[str, Any], counts: dict[int, np.ndarray], least: int
) -> tuple[dict[str, Any], dict[str, int]]:
    """``variables`` with every n-gram table row that fewer than ``least`` training n-grams reach
    set to zero (in every ensemble member), and ``{"kept": rows, "rows": rows in all}`` over the
    tables of all orders (``ngram_table_paths``)."""
    if least < 1:
        raise ZooError(f"least: expected at least 1 training n-gram per kept row, got {least}")
    flat = traverse_util.flatten_dict(variables, sep=SEPARATOR)
    kept = total = 0
    for path in ngram_table_paths(variables):
        keep = counts[int(path.split(SEPARATOR)[-2].removeprefix("order_"))] >= least
        table = np.array(flat[path])
        table[..., ~keep, :] = 0.0
        flat[path] = table
        kept, total = kept + int(keep.sum()), total + keep.size
    if not total:
        raise ZooError("expected a model with hashed n-gram tables (a SequenceClassifier with ngram_orders)")
    return traverse_util.unflatten_dict(flat, sep=SEPARATOR), {"kept": kept, "rows": total}


def cut_scores(workdir: str | Path, least_counts: list[int]) -> list[dict[str, Any]]:
    """The run in ``workdir`` scored with its tables whole and cut at each of ``least_counts``."""
    from jax_zoo.api.build import build_from_config
    from jax_zoo.api.pretrained import from_workdir, with_variables
    from jax_zoo.train import predict

    loaded = from_workdir(workdir)
    experiment = loaded.experiment
    counts = training_reach_counts(experiment, f"{workdir} (entry {loaded.entry!r})")
    sets = {split: load_dataset(experiment.dataset, split) for split in ("validation", "test")}
    if experiment.dataset == "names":
        sets["beyond the lists"] = _beyond_the_lists()
    built = build_from_config(loaded.entry, loaded.config)

    def accuracies(variables) -> dict[str, float]:
        state = experiment.final_eval_state(with_variables(built, variables).state)
        return {
            name: float((predict(built.predict_step, state, arrays, experiment.eval_batch_size).argmax(-1)
                         == arrays["targets"]).mean())
            for name, arrays in sets.items()
        }

    whole = {"least": 0, "bfloat16_bytes": len(safetensors_bytes(loaded.variables, "bfloat16"))}
    rows = [whole | accuracies(loaded.variables)]
    for least in least_counts:
        variables, kept = keep_reached_rows(loaded.variables, counts, least)
        tables = ngram_table_paths(variables)
        stored = safetensors_bytes(variables, "bfloat16", sparse_rows=tables)
        rows.append({"least": least, **kept, "bfloat16_bytes": len(stored)}
                    | accuracies(stored_as(variables, "bfloat16", sparse_rows=tables)))
    return rows


def _beyond_the_lists() -> dict[str, np.ndarray]:
    from jax_zoo.datasets.names import COUNTRIES, load_last_names, names_arrays, surnames_beyond_lists

    beyond = surnames_beyond_lists(load_last_names())
    return names_arrays([name for name, _ in beyond], np.array([COUNTRIES.index(c) for _, c in beyond], np.int32))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jax_zoo.api.ngram_rows", description=__doc__.split("\n")[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--least", type=int, nargs="+", default=[1, 2, 3],
                        help="keep the rows at least this many training n-grams reach (default: 1 2 3)")
    args = parser.parse_args(argv)
    try:
        for row in cut_scores(args.workdir, args.least):
            print(json.dumps(row))
    except ZooError as error:
        print(f"ngram_rows: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
