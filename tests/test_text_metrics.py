"""Text scores: sacreBLEU BLEU and chrF, ROUGE-L."""

import pytest

from jax_zoo.api.text_metrics import corpus_bleu, corpus_chrf, rouge_l, text_scores

REFERENCES = ["the cat sat on the mat .", "Y dijo Dios: Sea la luz: y fué la luz."]


def test_a_corpus_scored_against_itself_is_perfect():
    scores = text_scores(REFERENCES, REFERENCES, rouge=True)
    assert scores["bleu"] == pytest.approx(100) and scores["chrf"] == pytest.approx(100)
    assert scores["rouge_l"] == pytest.approx(1) and scores["count"] == 2
    assert scores["signatures"]["bleu"].startswith("nrefs:1|case:mixed|eff:no|tok:13a")


def test_unrelated_text_scores_zero_and_partial_text_in_between():
    assert corpus_bleu(["xyz qqq", "www vvv"], REFERENCES) == 0 and rouge_l(["xyz qqq", "www"], REFERENCES) == 0
    assert 0 < corpus_chrf(["the cat", "Y dijo Dios"], REFERENCES) < 100
    # ROUGE-L reads words only (6 here); LCS "the cat": precision 1, recall 1/3, F = 1/2
    assert rouge_l(["the cat"], REFERENCES[:1]) == pytest.approx(1 / 2)


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="got 1 and 2"):
        text_scores(["a"], REFERENCES)
