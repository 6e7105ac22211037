"""A summarization run's decoded validation scores under other search settings or averaged weights.

    PYTHONPATH=$PWD python benchmarks/summary_decoding.py runs/docstring_summary \
        --decodings 4,0.6,0 4,0.6,2 2,0.6,2 [--average-last 1 3] [--split validation]

Each ``BEAM,LENGTH_PENALTY,NO_REPEAT_NGRAM`` is a ``jax_zoo.Decoding``; the whole split is decoded
as the test report decodes (``text_outputs.text_report``) and scored with ROUGE-L, BLEU and chrF.
``--average-last K`` reads the mean of the last K checkpoints' parameters (one per epoch) instead
of the run's evaluation weights. How docstring_summary's decoding and weight averaging were chosen,
on validation (docs/experiments/docstring_summary.md); one JSON line per setting.
"""

import argparse
import dataclasses
import json

import jax

import jax_zoo as zoo
from jax_zoo.api.text_outputs import text_report
from jax_zoo.train import Checkpoints


def decoding(text: str) -> zoo.Decoding:
    beam, length_penalty, no_repeat_ngram = text.split(",")
    return zoo.Decoding(int(beam), float(length_penalty), int(no_repeat_ngram))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workdir")
    parser.add_argument("--decodings", type=decoding, nargs="+", default=[zoo.Decoding()])
    parser.add_argument("--average-last", type=int, nargs="+", default=[0], help="0: the run's evaluation weights")
    parser.add_argument("--split", default="validation")
    args = parser.parse_args(argv)
    built = zoo.restore(args.workdir)
    data = zoo.load_dataset(built.experiment.dataset, args.split)
    for last in args.average_last:
        state = built.state.for_evaluation().replace(ema=None)
        if last:
            with Checkpoints(f"{args.workdir}/checkpoints", keep=None) as checkpoints:
                steps = checkpoints.steps()[-last:]
                saved = [checkpoints.restore(built.state, step)[0].params for step in steps]
            state = state.replace(params=jax.tree.map(lambda *leaves: sum(leaves) / len(leaves), *saved))
        for search in args.decodings:
            experiment = dataclasses.replace(built.experiment, decoding=search)
            report = text_report(experiment, state, data, args.workdir, args.split)
            print(json.dumps({
                "weights": f"mean of steps {steps}" if last else "the run's", "decoding": search.describe(),
                **{name: report[name] for name in ("rouge_l", "bleu", "chrf")},
            }), flush=True)


if __name__ == "__main__":
    main()
