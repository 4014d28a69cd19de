"""The one client for the content service: short timeouts, one retry, a small cache.

It never raises into an action: a failure returns None and the caller falls back to the
bundled library. A failure is logged once (until the service answers again), without any
of the person's words.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict

import requests

from ember.core.content_library import ContentError, Item, parse_item

logger = logging.getLogger(__name__)

# Two attempts of at most 0.9 s each keep a turn's wait for content under 2 s.
ATTEMPT_TIMEOUT = 0.9
ATTEMPTS = 2
CACHE_SECONDS = 300.0
CACHE_SIZE = 128


class ContentClient:
    def __init__(self, base_url: str, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self._cache: OrderedDict[tuple, tuple[float, list[Item]]] = OrderedDict()
        # fetch() runs in worker threads, several turns at once.
        self._cache_lock = threading.Lock()
        self._failing = False

    def fetch(self, **query) -> list[Item] | None:
        """Items for the query, or None when the service is down, slow or answers garbage."""
        key = tuple(sorted((name, str(value)) for name, value in query.items()))
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached and cached[0] > time.monotonic():
                self._cache.move_to_end(key)
                return cached[1]
        params = {
            name: ",".join(value) if isinstance(value, (list, tuple)) else value
            for name, value in query.items()
            if value not in (None, [], ())
        }
        for _ in range(ATTEMPTS):
            try:
                response = self.session.get(
                    f"{self.base_url}/v1/content", params=params, timeout=ATTEMPT_TIMEOUT
                )
                if not 200 <= response.status_code < 300:
                    self._report(f"status {response.status_code}")
                    if response.status_code < 500:
                        return None
                    continue
                items = [parse_item(raw, "service") for raw in response.json()["items"]]
            except (requests.RequestException, ValueError, KeyError, TypeError, ContentError) as e:
                self._report(type(e).__name__)
                continue
            self._failing = False
            self._remember(key, items)
            return items
        return None

    def _remember(self, key: tuple, items: list[Item]) -> None:
        with self._cache_lock:
            self._cache[key] = (time.monotonic() + CACHE_SECONDS, items)
            self._cache.move_to_end(key)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)

    def _report(self, reason: str) -> None:
        if not self._failing:
            logger.warning("Content service unavailable (%s); using the bundled library.", reason)
        self._failing = True
