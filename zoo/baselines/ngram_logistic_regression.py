"""Logistic regression on character 1-4-gram TF-IDF features (scikit-learn): the names baseline."""

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from jax_zoo.train.metrics import classification_report, confusion_matrix


def ngram_logistic_regression(regularization: float, seed: int = 0) -> Pipeline:
    """Character 1-4-grams within word boundaries (``char_wb``: a name's start and end are
    features), sublinear TF-IDF, multinomial logistic regression with inverse strength ``C``."""
    return make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), lowercase=False, sublinear_tf=True),
        LogisticRegression(C=regularization, max_iter=2000, random_state=seed),
    )


def select_and_evaluate(
    train: tuple[list[str], np.ndarray],
    validation: tuple[list[str], np.ndarray],
    test: tuple[list[str], np.ndarray],
    num_classes: int,
    regularizations=(1.0, 3.0, 10.0, 30.0, 100.0),
) -> dict:
    """Fits one model per ``C`` on ``train``, keeps the best by validation accuracy, and reports
    its test accuracy, macro-F1 and confusion matrix. The test split plays no part in the choice."""
    validation_accuracy = {}
    for regularization in regularizations:
        model = ngram_logistic_regression(regularization).fit(*train)
        validation_accuracy[regularization] = float((model.predict(validation[0]) == validation[1]).mean())
    best = max(regularizations, key=lambda value: validation_accuracy[value])
    model = ngram_logistic_regression(best).fit(*train)
    predictions = model.predict(test[0])
    report = classification_report(confusion_matrix(test[1], predictions, num_classes))
    return {
        "model": "TF-IDF character 1-4-grams (char_wb) + multinomial logistic regression",
        "selected_C": best,
        "validation_accuracy_by_C": {str(key): value for key, value in validation_accuracy.items()},
        "validation_accuracy": validation_accuracy[best],
        "test": {"accuracy": float((predictions == test[1]).mean()), "count": len(test[1]), **report},
    }
