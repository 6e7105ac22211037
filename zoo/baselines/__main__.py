"""``python -m zoo.baselines names|kjv [--output FILE]``: fits a baseline and writes its results JSON.

    names  logistic regression on character 1-4-grams, C chosen on validation (seconds)
    kjv    character 5-gram, interpolated Kneser-Ney, validation and test bits per character (~1 min)
"""

import argparse
import time
from datetime import datetime, timezone
from pathlib import Path

from train.records import environment, write_json_atomic
from zoo.baselines import PUBLISHED
from zoo.datasets import data_dir, dataset_info


def names_baseline() -> dict:
    from zoo.baselines.ngram_logistic_regression import select_and_evaluate
    from zoo.datasets.names import split_names

    splits = [split_names(split, data_dir()) for split in ("train", "validation", "test")]
    return {"dataset": "names", **select_and_evaluate(*splits, num_classes=dataset_info("names").num_classes)}


def kjv_baseline(order: int = 5) -> dict:
    from zoo.baselines.kneser_ney import KneserNeyCharModel
    from zoo.datasets.char_vocabulary import UNKNOWN_SYMBOL
    from zoo.datasets.kjv import VOCABULARY, WINDOW, split_text

    def windows(split: str) -> list[str]:
        text = VOCABULARY.decode(VOCABULARY.encode(split_text(split, data_dir())))
        count = (len(text) - 1) // WINDOW
        return [text[i * WINDOW : (i + 1) * WINDOW + 1] for i in range(count)]

    model = KneserNeyCharModel(order, vocabulary=set(VOCABULARY.symbols) | {UNKNOWN_SYMBOL})
    model.fit(VOCABULARY.decode(VOCABULARY.encode(split_text("train", data_dir()))))
    return {
        "dataset": "kjv",
        "model": f"character {order}-gram, interpolated Kneser-Ney (zoo/baselines/kneser_ney.py)",
        "context": f"the characters before each target in its {WINDOW}-character window, as the LSTM sees them",
        "validation": {"bits_per_character": model.bits_per_character(windows("validation"))},
        "test": {"bits_per_character": model.bits_per_character(windows("test"))},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m zoo.baselines", description=__doc__.split("\n")[0])
    parser.add_argument("dataset", choices=["names", "kjv"])
    parser.add_argument("--output", type=Path, help=f"results file (default {PUBLISHED}/DATASET.json)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    results = {"names": names_baseline, "kjv": kjv_baseline}[args.dataset]()
    results["wall_seconds"] = round(time.perf_counter() - start, 3)
    results["command"] = f"python -m zoo.baselines {args.dataset}"
    results["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results |= environment()
    output = args.output or PUBLISHED / f"{args.dataset}.json"
    write_json_atomic(output, results)
    headline = {key: value for key, value in results["test"].items() if key in ("accuracy", "macro_f1", "bits_per_character")}
    print(f"{args.dataset} baseline: test {headline}, {results['wall_seconds']:.0f} s -> {output}")


if __name__ == "__main__":
    main()
