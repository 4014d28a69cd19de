"""Code loaded into the Rasa server only: channels, stores, NLU components, policies.

Importing any of it applies Ember's changes to Rasa first (ember/server/patches.py).
"""

from ember.server.patches import apply

apply()
