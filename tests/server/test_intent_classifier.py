import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from ember.server.nlu.intent_classifier import CopyFreeLogisticRegressionClassifier


def trained(features: int = 5000) -> tuple[LogisticRegression, sp.csr_matrix]:
    rng = np.random.default_rng(42)
    X = sp.random(120, features, density=0.01, format="csr", random_state=42)
    y = rng.integers(0, 6, size=120)
    return LogisticRegression(max_iter=200).fit(X, y), X


def test_weights_are_laid_out_so_scoring_needs_no_copy():
    classifier = CopyFreeLogisticRegressionClassifier.__new__(CopyFreeLogisticRegressionClassifier)
    classifier.clf, _ = trained()
    assert not classifier.clf.coef_.T.flags.c_contiguous  # what SciPy would copy
    classifier.lay_out_weights_for_prediction()
    assert classifier.clf.coef_.T.flags.c_contiguous


def test_predictions_are_unchanged():
    plain, X = trained()
    laid_out, _ = trained()
    classifier = CopyFreeLogisticRegressionClassifier.__new__(CopyFreeLogisticRegressionClassifier)
    classifier.clf = laid_out
    classifier.lay_out_weights_for_prediction()
    np.testing.assert_allclose(laid_out.predict_proba(X), plain.predict_proba(X), rtol=1e-12)
