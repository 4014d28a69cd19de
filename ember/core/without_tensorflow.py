"""Rasa's server without TensorFlow, for a model that has no TensorFlow component.

Rasa 3.6 imports TensorFlow at the top of modules every server loads (the policy base class
reaches it through the featurizers, the recipe through DIET and TED), although only its
neural components run it. Ember's model has none (config.yml), yet importing TensorFlow cost
each Rasa worker about 510 MB of its 960 MB PSS (docs/performance.md).

`install()` makes `import tensorflow` (and the TensorFlow add-on packages Rasa imports) give
a placeholder for the rest of the process: its names resolve and its classes can be
subclassed, so Rasa's modules import as before, but calling anything in it raises
TensorFlowNotLoaded with the name called, instead of running without the real library.
tools/serve.py sets WITHOUT_TENSORFLOW_VARIABLE for a Rasa server whose model has only
components in TENSORFLOW_FREE_COMPONENTS, and ember/server/__init__.py installs it before
anything imports Rasa; any other model, training and the other commands load the real
TensorFlow. It lives outside ember.server because importing that package imports Rasa.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import os
import sys
import tarfile
import types
from functools import cache
from pathlib import Path

# "1": this process runs without TensorFlow (set by tools/serve.py, read by install_if_asked).
WITHOUT_TENSORFLOW_VARIABLE = "EMBER_WITHOUT_TENSORFLOW"
# The packages replaced, with everything under them (Keras is the one TensorFlow ships).
PLACEHOLDER_PACKAGES = (
    "tensorflow",
    "keras",
    "tensorflow_addons",
    "tensorflow_hub",
    "tensorflow_text",
)

# Components that never call TensorFlow: Ember's own, and the Rasa components its config
# uses (tokenizer, regexes, count vectors, rules, memoisation) and those every model has.
TENSORFLOW_FREE_COMPONENTS = frozenset(
    {
        "ember.server.nlu.channel_country.CountryFromMetadata",
        "ember.server.nlu.intent_classifier.CopyFreeLogisticRegressionClassifier",
        "ember.server.nlu.message_guard.LongMessageGuard",
        "ember.server.nlu.safety_net.CrisisSafetyNet",
        "ember.server.nlu.sentence_embeddings.SentenceEmbeddingFeaturizer",
        "ember.server.policies.safety.SafetyExchangePolicy",
        "rasa.core.policies.ensemble.DefaultPolicyPredictionEnsemble",
        "rasa.core.policies.memoization.MemoizationPolicy",
        "rasa.core.policies.rule_policy.RulePolicy",
        "rasa.graph_components.converters.nlu_message_converter.NLUMessageConverter",
        "rasa.graph_components.providers.domain_provider.DomainProvider",
        "rasa.graph_components.providers.rule_only_provider.RuleOnlyDataProvider",
        "rasa.nlu.classifiers.fallback_classifier.FallbackClassifier",
        "rasa.nlu.classifiers.logistic_regression_classifier.LogisticRegressionClassifier",
        "rasa.nlu.classifiers.regex_message_handler.RegexMessageHandler",
        "rasa.nlu.extractors.entity_synonyms.EntitySynonymMapper",
        "rasa.nlu.extractors.regex_entity_extractor.RegexEntityExtractor",
        "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer.CountVectorsFeaturizer",
        "rasa.nlu.tokenizers.whitespace_tokenizer.WhitespaceTokenizer",
    }
)


class TensorFlowNotLoaded(RuntimeError):
    pass


class _PlaceholderType(type):
    """The type of every placeholder name: a class, so that Rasa's classes can subclass it
    and `isinstance(x, tf.Tensor)` is simply False."""

    def __getattr__(cls, attribute: str) -> type:
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        return _placeholder(f"{cls.__qualname__}.{attribute}")

    def __call__(cls, *args, **kwargs):
        raise TensorFlowNotLoaded(
            f"{cls.__qualname__} was called, but this Rasa server runs without TensorFlow "
            "(ember/core/without_tensorflow.py): the model has a component that needs it, "
            "or a component's module name is missing from TENSORFLOW_FREE_COMPONENTS."
        )


@cache
def _placeholder(qualified_name: str) -> type:
    # Cached, so that the same name is the same object each time (`tf.float32 is tf.float32`).
    return _PlaceholderType(qualified_name, (), {"__qualname__": qualified_name})


class _PlaceholderModule(types.ModuleType):
    def __getattr__(self, attribute: str) -> type:
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        return _placeholder(f"{self.__name__}.{attribute}")


class _PlaceholderFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in PLACEHOLDER_PACKAGES:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _PlaceholderModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


def install() -> None:
    """From now on, this process imports the placeholder instead of TensorFlow."""
    if any(isinstance(finder, _PlaceholderFinder) for finder in sys.meta_path):
        return
    if any(name.split(".")[0] in PLACEHOLDER_PACKAGES for name in sys.modules):
        raise RuntimeError("TensorFlow is already imported; install() must come first")
    sys.meta_path.insert(0, _PlaceholderFinder())


def install_if_asked() -> None:
    if os.environ.get(WITHOUT_TENSORFLOW_VARIABLE) == "1":
        install()


def model_components(model: Path) -> set[str]:
    """The component classes a trained model's prediction graph uses, from its metadata."""
    with tarfile.open(model, "r:gz") as archive:
        member = next((m for m in archive if Path(m.name).name == "metadata.json"), None)
        contents = archive.extractfile(member) if member is not None else None
        if contents is None:
            raise ValueError(f"{model} has no metadata.json: not a Rasa 3 model")
        metadata = json.load(contents)
    return {node["uses"] for node in metadata["predict_schema"]["nodes"].values()}


def runs_without_tensorflow(model: Path) -> bool:
    """Whether a Rasa server may serve this model without TensorFlow; False for a model that
    does not exist yet or cannot be read (Rasa will say so itself)."""
    try:
        return model_components(model) <= TENSORFLOW_FREE_COMPONENTS
    except (OSError, tarfile.TarError, ValueError, KeyError):
        return False
