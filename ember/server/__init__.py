"""Code loaded into the Rasa server only: channels, stores, NLU components, policies.

Importing any of it applies Ember's changes to Rasa first (ember/server/patches.py).
"""

from ember.core.without_tensorflow import install_if_asked

# Before Rasa is imported, which imports TensorFlow (ember/core/without_tensorflow.py).
install_if_asked()

from ember.server.patches import apply  # noqa: E402

apply()
