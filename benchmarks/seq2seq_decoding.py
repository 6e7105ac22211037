"""Decoding speed and exact match of a trained seq2seq run on its test split, greedy and beam search.

    PYTHONPATH=$PWD python benchmarks/seq2seq_decoding.py runs/numbers_en_fr [--beams 1 4] [--batch-size 64]

Sources go through ``jax_zoo.models.decoding.decode`` in batches of ``--batch-size`` (the last one padded
with empty rows); a warm-up batch compiles first, then sentences per second are timed over the
whole split (``block_until_ready`` per batch). Exact match compares each decoded text with the
reference target, so it checks the ``exact_match`` metric the harness reports (teacher-forced).
"""

import argparse
import dataclasses
import time

import jax
import numpy as np

import jax_zoo as zoo
from jax_zoo.models.decoding import decode
from jax_zoo.datasets.text_pairs import text_pair_tokenizers
from jax_zoo.api.text_outputs import search_options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workdir")
    parser.add_argument("--beams", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--split", default="test")
    parser.add_argument("--samples", type=int, default=0, help="print the first N wrong outputs")
    args = parser.parse_args()
    built = zoo.restore(args.workdir)
    tokenizers = text_pair_tokenizers(built.experiment.dataset)
    data = zoo.load_dataset(built.experiment.dataset, args.split)
    sources = np.asarray(data["inputs"][:, : tokenizers.source_length])
    references = [tokenizers.target.decode(row) for row in data["targets"]]
    count, batch = len(sources), args.batch_size
    padded = np.zeros((-(-count // batch) * batch, sources.shape[1]), np.int32)
    padded[:count] = sources
    variables = {"params": built.state.for_evaluation().params}
    for beam in args.beams:
        decoding = dataclasses.replace(built.experiment.decoding, beam_size=beam)
        options = {"max_length": tokenizers.target_length, **search_options(decoding)}
        jax.block_until_ready(decode(built.experiment.model, variables, padded[:batch], **options))
        start, outputs = time.perf_counter(), []
        for first in range(0, len(padded), batch):
            tokens, _ = decode(built.experiment.model, variables, padded[first : first + batch], **options)
            outputs.append(np.asarray(jax.block_until_ready(tokens)))
        seconds = time.perf_counter() - start
        texts = [tokenizers.target.decode(row) for row in np.concatenate(outputs)[:count]]
        right = sum(text == reference for text, reference in zip(texts, references))
        print(
            f"beam {beam}: exact match {right}/{count} = {right / count:.2%}; {count / seconds:.0f} sentences/s "
            f"at batch {batch} ({seconds:.1f} s)", flush=True,
        )
        wrong = [(i, text) for i, text in enumerate(texts) if text != references[i]]
        for i, text in wrong[: args.samples]:
            source = tokenizers.source.decode(sources[i])
            print(f"  {source!r}: got {text!r}, expected {references[i]!r}")


if __name__ == "__main__":
    main()
