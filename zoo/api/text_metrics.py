"""Scores of generated text against one reference per example: corpus BLEU and chrF
(``sacrebleu``'s defaults: 13a tokenization, mixed case; chrF with character 6-grams) and
ROUGE-L (``rouge-score``: lower-cased words, Porter stemming, mean F-measure)."""

from collections.abc import Sequence

import sacrebleu


def _check(hypotheses: Sequence[str], references: Sequence[str]) -> None:
    if len(hypotheses) != len(references) or not references:
        raise ValueError(
            f"hypotheses, references: expected two equally long, non-empty lists of texts, "
            f"got {len(hypotheses)} and {len(references)}"
        )


def _sacrebleu_score(metric, hypotheses: Sequence[str], references: Sequence[str]) -> tuple[float, str]:
    _check(hypotheses, references)
    score = metric.corpus_score(list(hypotheses), [list(references)]).score
    return score, str(metric.get_signature())


def corpus_bleu(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """sacreBLEU corpus BLEU, 0-100."""
    return _sacrebleu_score(sacrebleu.metrics.BLEU(), hypotheses, references)[0]


def corpus_chrf(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """sacreBLEU corpus chrF, 0-100."""
    return _sacrebleu_score(sacrebleu.metrics.CHRF(), hypotheses, references)[0]


def rouge_l_scores(hypotheses: Sequence[str], references: Sequence[str]) -> list[float]:
    """Each example's ROUGE-L F-measure, 0-1, in order."""
    # Imported here: rouge-score loads NLTK and scikit-learn, which set OpenMP variables in
    # os.environ, and importing this module must change nothing in the process.
    from rouge_score import rouge_scorer

    _check(hypotheses, references)
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    return [scorer.score(reference, hypothesis)["rougeL"].fmeasure for hypothesis, reference in zip(hypotheses, references)]


def rouge_l(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """ROUGE-L F-measure averaged over examples, 0-1."""
    scores = rouge_l_scores(hypotheses, references)
    return sum(scores) / len(scores)


def text_scores(hypotheses: Sequence[str], references: Sequence[str], *, rouge: bool = False) -> dict:
    """``{"bleu", "chrf"[, "rouge_l"], "count", "signatures"}``: every score of a corpus at once,
    with sacreBLEU's signatures so a reader can reproduce them."""
    bleu, bleu_signature = _sacrebleu_score(sacrebleu.metrics.BLEU(), hypotheses, references)
    chrf, chrf_signature = _sacrebleu_score(sacrebleu.metrics.CHRF(), hypotheses, references)
    scores = {"bleu": bleu, "chrf": chrf}
    signatures = {"bleu": bleu_signature, "chrf": chrf_signature}
    if rouge:
        scores["rouge_l"] = rouge_l(hypotheses, references)
        signatures["rouge_l"] = "rouge-score rougeL, use_stemmer=True, mean F-measure"
    return scores | {"count": len(references), "signatures": signatures}
