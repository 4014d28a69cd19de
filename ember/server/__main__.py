"""`python -m ember.server ARGS`: Rasa's command line, with Ember's changes to Rasa applied.

The Makefile and tools/serve.py run Rasa this way (`run`, `shell`, `train`, `test`), so the
patches hold in every mode, not only when a channel or component happens to import them.
"""

from rasa.__main__ import main

import ember.server  # noqa: F401 - applies ember.server.patches before Rasa starts

if __name__ == "__main__":
    main()
