"""Rasa's LogisticRegressionClassifier, without copying its whole weight matrix per message.

scikit-learn scores a message as `X @ coef_.T`. `coef_` is stored row-major, so its
transpose is a column-major view, and SciPy's sparse-times-dense product first copies it
into a row-major array: with Ember's word and character n-gram vocabulary that is tens of
megabytes per message, and about a tenth of the Rasa server's time under load. Keeping
`coef_` column-major makes the transpose row-major, so there is nothing to copy. The
arithmetic, and so every prediction, is unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class CopyFreeLogisticRegressionClassifier(LogisticRegressionClassifier):
    def train(self, training_data: TrainingData) -> Resource:
        resource = super().train(training_data)
        self.lay_out_weights_for_prediction()
        return resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CopyFreeLogisticRegressionClassifier:
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        component.lay_out_weights_for_prediction()
        return component

    def lay_out_weights_for_prediction(self) -> None:
        if hasattr(self.clf, "coef_"):  # not when loading found nothing trained
            self.clf.coef_ = np.asfortranarray(self.clf.coef_)
