"""The exact origins a browser may talk to Ember from: the web page's, never a wildcard.

Both channels (ember.server.channels.rest, ember.server.channels.socketio) and Rasa's
`--cors` use the same list: EMBER_WEB_ORIGINS when set (tools/serve.py sets it from the
web page's port), else `allowed_origins` in credentials.yml.

EMBER_EMBED_ORIGINS lists the other web sites that embed the chat panel (web/embed.js): the
socket channel and the web page's history and contacts endpoints accept them as well; the
REST channel does not, as the panel never uses it.
"""

from __future__ import annotations

import os
import re
from typing import Any

ORIGINS_VARIABLE = "EMBER_WEB_ORIGINS"
EMBED_ORIGINS_VARIABLE = "EMBER_EMBED_ORIGINS"


class OriginConfigError(ValueError):
    """The allowed origins are missing or too broad."""


def parse_origins(value: Any, allow_none: bool = False) -> list[str]:
    """Exact origins from a list or a comma/space separated string; never `*`, and never
    empty unless `allow_none`."""
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    origins = [str(origin).strip().rstrip("/") for origin in value or [] if str(origin).strip()]
    if not origins and not allow_none:
        raise OriginConfigError(
            f"no allowed origins: list the web page's origins in credentials.yml "
            f"(allowed_origins) or {ORIGINS_VARIABLE}"
        )
    for origin in origins:
        if "*" in origin or not re.match(r"^https?://[^/\s]+$", origin):
            raise OriginConfigError(
                f"{origin!r} is not an exact origin such as http://localhost:8000"
            )
    return origins


def configured_origins(credentials: dict[str, Any] | None) -> list[str]:
    return parse_origins(
        os.environ.get(ORIGINS_VARIABLE) or (credentials or {}).get("allowed_origins")
    )


def embed_origins() -> list[str]:
    """The host sites allowed to embed the chat panel (EMBER_EMBED_ORIGINS); none by default."""
    return parse_origins(os.environ.get(EMBED_ORIGINS_VARIABLE), allow_none=True)
