"""``python -m jax_zoo.baselines DATASET [--output FILE]``: fits a baseline and writes its results JSON.

    names              logistic regression on character 1-4-grams, C chosen on validation (seconds)
    kjv                character 5-, 7-, 9-grams (and higher while validation improves), interpolated
                       Kneser-Ney; the order chosen on validation; bits per character (~20 min)
    bible_en_es        copy the source; word by word with IBM model 1 alignments: BLEU and chrF (~2 min)
    package_docstrings the function's name as a sentence: BLEU, chrF and ROUGE-L (seconds)
    stdlib_docstrings  the same on the standard library's functions (seconds)
"""

import argparse
import functools
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from jax_zoo.train.records import environment, write_json_atomic
from jax_zoo.baselines import PUBLISHED
from jax_zoo.core.errors import ZooError
from jax_zoo.datasets import data_dir, dataset_info


def names_baseline() -> dict:
    from jax_zoo.baselines.ngram_logistic_regression import select_and_evaluate
    from jax_zoo.datasets.names import split_names

    splits = [split_names(split, data_dir()) for split in ("train", "validation", "test")]
    return {"dataset": "names", **select_and_evaluate(*splits, num_classes=dataset_info("names").num_classes)}


KJV_ORDERS = (5, 7, 9)
"""The n-gram orders always fitted for ``kjv``; higher odd orders follow while validation improves."""


def kjv_baseline(orders: tuple[int, ...] = KJV_ORDERS) -> dict:
    from jax_zoo.baselines.kneser_ney import fit_orders
    from jax_zoo.datasets.char_vocabulary import UNKNOWN_SYMBOL
    from jax_zoo.datasets.kjv import VOCABULARY, WINDOW, split_text

    def cleaned(split: str) -> str:
        return VOCABULARY.decode(VOCABULARY.encode(split_text(split, data_dir())))

    def windows(text: str) -> list[str]:
        count = (len(text) - 1) // WINDOW
        return [text[i * WINDOW : (i + 1) * WINDOW + 1] for i in range(count)]

    held_out = {split: windows(cleaned(split)) for split in ("validation", "test")}
    vocabulary = set(VOCABULARY.symbols) | {UNKNOWN_SYMBOL}
    fitted = fit_orders(cleaned("train"), held_out, vocabulary, orders)
    best = min(fitted, key=lambda row: row["validation"]["bits_per_character"])
    return {
        "dataset": "kjv",
        "model": (
            f"character n-grams, interpolated Kneser-Ney (zoo/baselines/kneser_ney.py), orders {orders} and "
            f"higher odd orders while validation improves; the order is chosen on validation"
        ),
        "context": f"the characters before each target in its {WINDOW}-character window, as the LSTM sees them",
        "orders": fitted,
        "chosen_order": best["order"],
        "validation": best["validation"],
        "test": best["test"],
    }


def bible_en_es_baseline(iterations: int = 10) -> dict:
    from jax_zoo.baselines.word_by_word import ibm1_dictionary, translate_word_by_word
    from jax_zoo.datasets.bible_pairs import split_pairs
    from jax_zoo.api.text_metrics import text_scores

    splits = {split: split_pairs(split, data_dir()) for split in ("train", "validation", "test")}
    start = time.perf_counter()
    dictionary = ibm1_dictionary(*splits["train"], iterations)
    fit_seconds = round(time.perf_counter() - start, 3)
    translations = {
        split: [translate_word_by_word(verse, dictionary) for verse in splits[split][0]] for split in ("validation", "test")
    }
    return {
        "dataset": "bible_en_es",
        "copy_source": {
            "model": "the English verse as its own translation",
            **{split: text_scores(*splits[split]) for split in ("validation", "test")},
        },
        "word_by_word": {
            "model": (
                f"each English word replaced by the Spanish word most often aligned to it; alignments: IBM model 1, "
                f"{iterations} EM iterations on the train split, in numpy (zoo/baselines/word_by_word.py); "
                f"unknown words copied"
            ),
            "dictionary_size": len(dictionary),
            "fit_seconds": fit_seconds,
            **{split: text_scores(translations[split], splits[split][1]) for split in ("validation", "test")},
            "test_samples": [
                {"source": source, "reference": reference, "output": output}
                for source, reference, output in list(zip(*splits["test"], translations["test"]))[:3]
            ],
        },
    }


def docstring_baseline(dataset: str) -> dict:
    """The function's name as a sentence on ``package_docstrings`` or ``stdlib_docstrings``."""
    from jax_zoo.baselines.name_sentence import name_as_sentence
    from jax_zoo.datasets import docstring_pairs, package_docstrings
    from jax_zoo.api.text_metrics import text_scores

    corpus = {"package_docstrings": package_docstrings, "stdlib_docstrings": docstring_pairs}[dataset]
    splits = {split: corpus.split_functions(split, data_dir()) for split in ("validation", "test")}
    outputs = {split: [name_as_sentence(name) for name in splits[split]["name"]] for split in splits}
    described = (
        {"packages": {wheel.package: wheel.version for wheel in package_docstrings.PACKAGES}}
        if corpus is package_docstrings else {"python_version": docstring_pairs.python_version()}
    )
    return {
        "dataset": dataset,
        **described,
        "function_name": {
            "model": 'the function\'s name as a sentence ("get_value" -> "Get value.", zoo/baselines/name_sentence.py)',
            **{split: text_scores(outputs[split], splits[split]["summary"], rouge=True) for split in splits},
            "test_samples": [
                {"name": name, "reference": reference, "output": output}
                for name, reference, output in list(zip(splits["test"]["name"], splits["test"]["summary"], outputs["test"]))[:3]
            ],
        },
    }


BASELINES = {
    "names": names_baseline,
    "kjv": kjv_baseline,
    "bible_en_es": bible_en_es_baseline,
    "package_docstrings": functools.partial(docstring_baseline, "package_docstrings"),
    "stdlib_docstrings": functools.partial(docstring_baseline, "stdlib_docstrings"),
}
_HEADLINE = ("accuracy", "macro_f1", "bits_per_character", "bleu", "chrf", "rouge_l")


def _headline(results: dict) -> str:
    """The test scores of each baseline in ``results`` (one, or several keyed by name)."""
    parts = [(name, value["test"]) for name, value in results.items() if isinstance(value, dict) and "test" in value]
    parts = [("test", results["test"])] if "test" in results else parts
    return "; ".join(
        f"{name} {({key: round(value, 4) for key, value in test.items() if key in _HEADLINE})}" for name, test in parts
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m jax_zoo.baselines", description=__doc__.split("\n")[0])
    parser.add_argument("dataset", choices=list(BASELINES))
    parser.add_argument("--output", type=Path, help=f"results file (default {PUBLISHED}/DATASET.json)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        results = BASELINES[args.dataset]()
    except ZooError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    results["wall_seconds"] = round(time.perf_counter() - start, 3)
    results["command"] = f"python -m jax_zoo.baselines {args.dataset}"
    results["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results |= environment()
    output = args.output or PUBLISHED / f"{args.dataset}.json"
    write_json_atomic(output, results)
    print(f"{args.dataset} baseline: {_headline(results)}, {results['wall_seconds']:.0f} s -> {output}")


if __name__ == "__main__":
    main()
