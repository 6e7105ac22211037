"""Writes a finished run's evaluation variables as the package's shipped weights.

    python -m jax_zoo.api.export_weights ENTRY WORKDIR [--publish] [--to DIR] [--storage bfloat16] [--keep-ngram-rows N]

writes ``zoo/published/weights/ENTRY.safetensors`` (flattened variable paths,
``jax_zoo.api.weights_format``) and ``ENTRY.weights.json`` (the weights file's name and sha256,
config, parameter count, the published results file, the run's command), the files
``jax_zoo.pretrained`` reads; a run with trained tokenizers (subword models) ships them in
``ENTRY.tokenizers/``, each file's sha256 in the record. ``--storage bfloat16`` halves the file;
the weights as stored are then evaluated on the test split and their metrics recorded beside the
run's (``shipped_test``), since rounding may move them. ``--keep-ngram-rows N`` ships a model's
hashed n-gram tables with only the rows at least ``N`` training n-grams reach, stored sparse
(``jax_zoo.api.ngram_rows``), also with ``shipped_test``.
"""

import argparse
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Collection
from pathlib import Path

import jax
import numpy as np
from jax_zoo.train.records import write_json_atomic
from jax_zoo.core.errors import WorkdirError, ZooError
from jax_zoo.api.build import build_from_config, parameter_count
from jax_zoo.api.pretrained import Pretrained, from_workdir, with_variables
from jax_zoo.api.ngram_rows import keep_reached_rows, ngram_table_paths, training_reach_counts
from jax_zoo.api.published import published_result
from jax_zoo.api.train import test_report
from jax_zoo.api.weights_format import STORAGES, safetensors_bytes, stored_as
from jax_zoo.datasets import load_dataset
from jax_zoo.datasets.text_pairs import RUN_TOKENIZERS

SOURCE_WEIGHTS_DIRECTORY = Path(__file__).resolve().parents[1] / "published" / "weights"
"""Where ``export`` writes by default: the package's own ``published/weights`` (in a checkout)."""
PACKAGE_FILE_MODE = 0o644
"""Package data must be readable by every user (atomic writes create files only their owner reads)."""


def export(
    entry: str, workdir: str | os.PathLike, directory: str | os.PathLike | None = None, *, publish: bool = False,
    storage: str = "float32", keep_ngram_rows: int = 0,
) -> Path:
    """Writes ``<entry>.safetensors`` and ``<entry>.weights.json`` of the run in ``workdir`` to
    ``directory`` (default: this checkout's ``zoo/published/weights``); returns the weights' path.
    ``storage="bfloat16"`` stores floating variables rounded to bfloat16 and records the test
    metrics of the variables as stored (``shipped_test``); ``keep_ngram_rows`` keeps the n-gram
    table rows that many training n-grams reach (``ngram_rows.keep_reached_rows``), stored sparse.

    The run's ``results.json`` must equal the published one in config and test metrics, so the
    weights are those that scored the published numbers; ``publish`` instead makes the run's
    results the published ones (``zoo/published/<entry>.json``), e.g. for a re-trained entry.
    """
    workdir = Path(workdir)
    results_path = workdir / "results.json"
    if not results_path.is_file():
        raise WorkdirError(f"{workdir} holds no finished run: expected {results_path}")
    if storage not in STORAGES:
        raise ZooError(f"storage: expected one of {STORAGES}, got {storage!r}")
    results = json.loads(results_path.read_text())
    published = published_result(entry)
    if not publish:
        if published is None:
            raise WorkdirError(f"{entry!r} has no published results to ship weights for; pass --publish to publish {results_path}")
        differing = [key for key in ("config", "test") if results.get(key) != published.get(key)]
        if differing:
            raise WorkdirError(
                f"{results_path} differs from the published {entry}.json in {' and '.join(differing)}: "
                f"these are not the weights that scored the published numbers (pass --publish to publish this run)"
            )
    loaded = from_workdir(workdir, entry)
    variables = jax.tree.map(np.asarray, jax.device_get(loaded.variables))
    directory = Path(directory or SOURCE_WEIGHTS_DIRECTORY)
    record = {
        "entry": entry,
        "config": loaded.config,
        "dataset": loaded.experiment.dataset,
        "parameters": parameter_count(variables["params"]),
        "results": f"{entry}.json",
        "test": {key: value for key, value in results["test"].items() if isinstance(value, int | float)},
        "command": results.get("command"),
        "step": results.get("final_state_step"),
    }
    sparse_rows = []
    if keep_ngram_rows:
        variables, record["ngram_rows"] = cut_ngram_tables(loaded, variables, keep_ngram_rows)
        sparse_rows = ngram_table_paths(variables)
    if storage != "float32" or keep_ngram_rows:
        record["storage"] = storage
        record["shipped_test"] = stored_test_metrics(loaded, stored_as(variables, storage, sparse_rows), workdir)
    tokenizers = workdir / RUN_TOKENIZERS
    if tokenizers.is_dir():
        record["tokenizers"] = write_tokenizers(entry, tokenizers, directory)
    weights_path, record_path = write_weights(entry, variables, record, directory, storage, sparse_rows)
    if publish:
        write_json_atomic(directory.parent / f"{entry}.json", results)
        (directory.parent / f"{entry}.json").chmod(PACKAGE_FILE_MODE)
    return weights_path


def stored_test_metrics(loaded: Pretrained, variables: dict, workdir: Path) -> dict[str, float]:
    """The test report's numbers (eval step metrics and the task's, e.g. BLEU) of ``variables`` in
    place of ``loaded``'s, evaluated as the run's test was."""
    built = with_variables(build_from_config(loaded.entry, loaded.config), variables)
    data = load_dataset(built.experiment.dataset, "test")
    report = test_report(built, built.experiment.final_eval_state(built.state), data, workdir=workdir)
    return {key: value for key, value in report.items() if isinstance(value, int | float)}


def cut_ngram_tables(loaded: Pretrained, variables: dict, least: int) -> tuple[dict, dict]:
    """``variables`` with the n-gram table rows fewer than ``least`` training n-grams reach set to
    zero, and the record of the cut."""
    counts = training_reach_counts(loaded.experiment, f"--keep-ngram-rows for {loaded.entry!r}")
    variables, kept = keep_reached_rows(variables, counts, least)
    return variables, {"least_training_ngrams": least, **kept}


def write_weights(
    entry: str, variables, record: dict, directory: Path, storage: str = "float32", sparse_rows: Collection[str] = (),
) -> tuple[Path, Path]:
    """``<entry>.safetensors`` of ``variables`` (stored as ``storage``, the tables at the paths
    ``sparse_rows`` as their nonzero rows) and ``<entry>.weights.json``
    (``record`` and the file's name, sha256, size and collections) in ``directory``, each written
    whole; an older ``<entry>.msgpack`` there, which the record no longer names, is removed."""
    data = safetensors_bytes(variables, storage, sparse_rows)
    directory.mkdir(parents=True, exist_ok=True)
    weights_path, record_path = directory / f"{entry}.safetensors", directory / f"{entry}.weights.json"
    temporary = weights_path.with_name(f".{weights_path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, weights_path)
    described = {"weights": weights_path.name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                 "collections": sorted(variables)}
    write_json_atomic(record_path, record | described)
    for path in (weights_path, record_path):
        path.chmod(PACKAGE_FILE_MODE)
    (directory / f"{entry}.msgpack").unlink(missing_ok=True)
    return weights_path, record_path


def write_tokenizers(entry: str, tokenizers: Path, directory: Path) -> dict:
    """Copies a run's trained tokenizers (``<workdir>/tokenizers/``) to ``<entry>.tokenizers/`` in
    ``directory``, whole or not at all; returns the folder's name and each file's sha256."""
    target = directory / f"{entry}.tokenizers"
    temporary = directory / f".{target.name}.tmp"
    shutil.rmtree(temporary, ignore_errors=True)
    shutil.copytree(tokenizers, temporary)
    files = {}
    for path in sorted(temporary.rglob("*")):
        path.chmod(PACKAGE_FILE_MODE | (0o111 if path.is_dir() else 0))
        if path.is_file():
            files[path.relative_to(temporary).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    shutil.rmtree(target, ignore_errors=True)
    temporary.rename(target)
    return {"folder": target.name, "sha256": files}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jax_zoo.api.export_weights", description=__doc__.split("\n")[0])
    parser.add_argument("entry")
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--to", type=Path, help="directory (default: zoo/published/weights of this checkout)")
    parser.add_argument("--publish", action="store_true",
                        help="also make the run's results.json the published one (zoo/published/ENTRY.json)")
    parser.add_argument("--storage", choices=STORAGES, default="float32",
                        help="bfloat16: half the bytes; the stored weights' test metrics are recorded (default: float32)")
    parser.add_argument("--keep-ngram-rows", type=int, default=0, metavar="N",
                        help="keep only the hashed n-gram table rows at least N training n-grams reach, stored sparse")
    args = parser.parse_args(argv)
    try:
        path = export(args.entry, args.workdir, args.to, publish=args.publish, storage=args.storage,
                      keep_ngram_rows=args.keep_ngram_rows)
    except ZooError as error:
        print(f"export: error: {error}", file=sys.stderr)
        return 2
    print(f"{args.entry}: {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
