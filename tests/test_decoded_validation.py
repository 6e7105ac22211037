"""Decoded validation scores: a fixed subset of the validation split decoded and scored with ROUGE-L."""

import jax
import numpy as np
import pytest
from num2words import num2words

from jax_zoo.api import decoded_validation as module
from jax_zoo.api.decoded_validation import METRIC, DecodedValidation, decoded_subset, subset_rows
from jax_zoo.api.text_metrics import rouge_l
from jax_zoo.api.text_outputs import decoded_texts
from jax_zoo.core.experiment import Decoding
from jax_zoo.datasets.text_pairs import pack_pairs, text_pair_tokenizers
from jax_zoo.entries.numbers_en_fr import seq2seq_experiment
from jax_zoo.models.decoding import decode

REFERENCES = ["return the value", "store the key", "fetch a url", "build it"]


@pytest.mark.parametrize("count, size, rows", [
    (10, 4, [0, 3, 6, 9]),
    (3, 256, [0, 1, 2]),
    (7, 7, [0, 1, 2, 3, 4, 5, 6]),
    (9, 3, [0, 4, 8]),
])
def test_the_subset_spreads_evenly_over_the_split_first_and_last_included(count, size, rows):
    assert subset_rows(count, size).tolist() == rows


def test_a_large_split_gives_exactly_the_subset_size_of_distinct_rows():
    rows = subset_rows(1748, 256)
    assert len(rows) == 256 and rows[0] == 0 and rows[-1] == 1747 and (np.diff(rows) > 0).all()


class FakeState:
    def __init__(self, params):
        self.params = params

    def for_evaluation(self):
        return self


def test_the_score_is_the_mean_rouge_l_of_the_decoded_subset(monkeypatch):
    """By hand: rows 0 and 3 exact (1, 1); "store key" against "store the key": LCS 2, precision
    2/2, recall 2/3, F 0.8; row 2 shares no word (0): mean 2.8 / 4 = 0.7."""
    outputs = {0: "Return the value", 10: "store key", 20: "nothing here", 30: "build it"}
    seen = {}

    def fake_decoded_texts(model, params, sources, tokenizers, *, decoding):
        seen.update(params=params, beam=decoding.beam_size, rows=sources[:, 0].tolist())
        return [outputs[row] for row in sources[:, 0].tolist()]

    monkeypatch.setattr(module, "decoded_texts", fake_decoded_texts)
    tokenizers = text_pair_tokenizers("numbers_en_fr")
    inputs = np.zeros((7, tokenizers.source_length + tokenizers.target_length), np.int32)
    inputs[:, 0] = [0, 5, 10, 15, 20, 25, 30]
    split_references = ["return the value", "-", "store the key", "-", "fetch a url", "-", "build it"]
    score = decoded_subset("model", tokenizers, {"inputs": inputs}, split_references, size=4)
    assert score.score("params") == {METRIC: pytest.approx(0.7)}
    assert score(FakeState("params")) == {METRIC: pytest.approx(0.7)}  # as fit calls it: the evaluation parameters
    assert seen == {"params": "params", "beam": 1, "rows": [0, 10, 20, 30]}


def test_mismatched_references_are_refused():
    tokenizers = text_pair_tokenizers("numbers_en_fr")
    with pytest.raises(ValueError, match="expected one reference per example \\(2\\), got 1"):
        decoded_subset("model", tokenizers, {"inputs": np.zeros((2, 5), np.int32)}, ["one"])
    with pytest.raises(ValueError, match="got 1 for 2 rows"):
        DecodedValidation("model", tokenizers, np.zeros((2, 5), np.int32), ("one",))


def test_a_real_model_is_decoded_with_one_compilation_and_scored_as_its_texts():
    experiment = seq2seq_experiment(
        "numbers_en_fr", learning_rate=1e-2, batch_size=4, epochs=1, seed=0, embed_dim=4, hidden_size=8,
        cell_type="lstm", attention="multiplicative", dropout_rate=0.0, gradient_clip=1.0, task="summarization",
    )
    tokenizers = text_pair_tokenizers("numbers_en_fr")
    numbers = range(1, 40, 3)
    references = [num2words(n, lang="fr") for n in numbers]
    data = pack_pairs(
        [tokenizers.source.encode(num2words(n)) for n in numbers], [tokenizers.target.encode(t) for t in references],
        tokenizers,
    )
    params = experiment.model.init(jax.random.PRNGKey(0), data["inputs"][:1])["params"]
    score = decoded_subset(experiment.model, tokenizers, data, references, size=5)
    first = score.score(params)
    compiled = decode._cache_size()
    assert score.score(params) == first and decode._cache_size() == compiled
    rows = subset_rows(len(references), 5)
    outputs = decoded_texts(experiment.model, params, score.sources, tokenizers, decoding=Decoding(beam_size=1))
    assert first == {METRIC: rouge_l(outputs, [references[row] for row in rows])} and 0 <= first[METRIC] <= 1
