"""`python -m ember.server ARGS`: Rasa's command line, with Ember's changes to Rasa applied.

The Makefile and tools/serve.py run Rasa this way (`run`, `shell`, `train`, `test`), so the
patches hold in every mode, not only when a channel or component happens to import them.

`--enable-api` without `--auth-token` takes the token from EMBER_API_TOKEN: on the command
line, as Rasa wants it, any local user could read it in `ps`.
"""

import os
import sys

from rasa.__main__ import main

import ember.server  # noqa: F401 - applies ember.server.patches before Rasa starts
from ember.core.project import TOKEN_VARIABLE


def with_token_from_environment(argv: list[str]) -> list[str]:
    token = os.environ.get(TOKEN_VARIABLE)
    if "--enable-api" in argv and "--auth-token" not in argv and token:
        # Only this process's own copy of its arguments: /proc/<pid>/cmdline is unchanged.
        return [*argv, "--auth-token", token]
    return argv


if __name__ == "__main__":
    sys.argv = with_token_from_environment(sys.argv)
    main()
