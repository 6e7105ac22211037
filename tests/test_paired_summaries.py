"""The paired bootstrap of per-function scores, model against baseline."""

import numpy as np
import pytest

from jax_zoo.api.text_metrics import rouge_l, rouge_l_scores
from jax_zoo.baselines.paired_summaries import paired_bootstrap


def test_a_constant_difference_has_an_interval_of_one_point():
    comparison = paired_bootstrap([0.5, 0.7, 0.9], [0.4, 0.6, 0.8], resamples=200)
    assert comparison["mean_difference"] == pytest.approx(0.1)
    assert comparison["interval"] == pytest.approx([0.1, 0.1])
    assert (comparison["model_higher"], comparison["baseline_higher"], comparison["ties"]) == (3, 0, 0)


def test_the_interval_matches_the_normal_approximation_on_many_examples():
    """Differences of mean 0.03 and spread 0.2 over 2,000 functions: about 0.03 +- 1.96 * 0.2 / sqrt(2000)."""
    rng = np.random.default_rng(1)
    baseline = rng.uniform(0, 1, 2000)
    differences = rng.normal(0.03, 0.2, 2000)
    comparison = paired_bootstrap(baseline + differences, baseline)
    half_width = 1.96 * differences.std(ddof=1) / np.sqrt(2000)
    low, high = comparison["interval"]
    assert low == pytest.approx(differences.mean() - half_width, abs=0.002)
    assert high == pytest.approx(differences.mean() + half_width, abs=0.002)
    assert comparison["count"] == 2000 and comparison["model_mean"] - comparison["baseline_mean"] == pytest.approx(
        comparison["mean_difference"]
    )


def test_the_same_seed_gives_the_same_interval_and_wins_losses_ties_are_counted():
    model, baseline = [0.2, 0.5, 0.5, 0.0, 1.0], [0.1, 0.5, 0.7, 0.0, 0.4]
    first, again = paired_bootstrap(model, baseline, seed=3), paired_bootstrap(model, baseline, seed=3)
    assert first == again and first["interval"][0] <= first["mean_difference"] <= first["interval"][1]
    assert (first["model_higher"], first["baseline_higher"], first["ties"]) == (2, 1, 2)


def test_unpaired_scores_are_refused():
    with pytest.raises(ValueError, match="expected two equally long lists of at least 2 scores, got \\(3,\\) and \\(2,\\)"):
        paired_bootstrap([0.1, 0.2, 0.3], [0.1, 0.2])


def test_per_function_rouge_l_averages_to_the_corpus_score():
    outputs, references = ["Get value.", "Store key.", "x"], ["Return the value.", "Store the key.", "Fetch a url."]
    scores = rouge_l_scores(outputs, references)
    # "value": 1 of 2 words, 1 of 3: F 0.4; "store key" in "store the key": F 0.8; nothing shared: 0
    assert scores == pytest.approx([0.4, 0.8, 0.0]) and rouge_l(outputs, references) == pytest.approx(1.2 / 3)
