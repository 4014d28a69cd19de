"""The content service: Ember's content library as a small JSON API.

    GET /health                  {"status": "ok", "items": 86}
    GET /v1/content              ?kind=&situation=&feeling=&flow=&exclude=id1,id2&limit=5
    GET /v1/content/<id>

The folder is loaded once and reloaded when a file changes; an edit that breaks validation
is refused (logged) and the last good library keeps being served.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json

from ember.core import content_library as library

logger = logging.getLogger(__name__)

FILTERS = {
    "kind": library.KINDS,
    "situation": library.SITUATIONS,
    "feeling": library.FEELINGS,
    "flow": library.FLOWS,
}
PARAMETERS = set(FILTERS) | {"exclude", "limit"}
RECHECK_SECONDS = 1.0


class LiveLibrary:
    """The library, reloaded when the folder's files change (checked at most once a second)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.items = library.load(directory)
        self._signature = library.signature(directory)
        self._checked = time.monotonic()

    def current(self) -> dict[str, library.Item]:
        now = time.monotonic()
        if now - self._checked >= RECHECK_SECONDS:
            self._checked = now
            signature = library.signature(self.directory)
            if signature != self._signature:
                self._signature = signature
                try:
                    self.items = library.load(self.directory)
                    logger.info("Reloaded %d content items.", len(self.items))
                except library.ContentError as error:
                    logger.error("Kept the last good content; the folder is invalid: %s", error)
        return self.items


class BadQuery(ValueError):
    pass


def parse_query(args: dict[str, list[str]]) -> dict:
    """Validated filters from query arguments; raises BadQuery with a message for people."""
    unknown = sorted(set(args) - PARAMETERS)
    if unknown:
        raise BadQuery(f"unknown parameter(s) {unknown}; use {sorted(PARAMETERS)}")
    query: dict = {}
    for name, allowed in FILTERS.items():
        if name in args:
            value = args[name][0]
            if value not in allowed:
                raise BadQuery(f"{name} must be one of {list(allowed)}, not {value!r}")
            query[name] = value
    if "exclude" in args:
        query["exclude"] = [part for part in args["exclude"][0].split(",") if part]
    limit = args.get("limit", ["5"])[0]
    if not limit.isdigit() or not 1 <= int(limit) <= library.MAX_LIMIT:
        raise BadQuery(f"limit must be a whole number from 1 to {library.MAX_LIMIT}")
    query["limit"] = int(limit)
    return query


def create_app(directory: Path = library.CONTENT_DIR, name: str = "ember_content") -> Sanic:
    app = Sanic(name)
    app.ctx.library = LiveLibrary(directory)

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return json({"status": "ok", "items": len(app.ctx.library.current())})

    @app.get("/v1/content")
    async def content(request: Request) -> HTTPResponse:
        try:
            query = parse_query(dict(request.args))
        except BadQuery as error:
            return json({"error": str(error)}, status=400)
        chosen = library.select(app.ctx.library.current().values(), **query)
        return json({"items": [item.as_dict() for item in chosen], "count": len(chosen)})

    @app.get("/v1/content/<item_id:str>")
    async def one(request: Request, item_id: str) -> HTTPResponse:
        item = app.ctx.library.current().get(item_id)
        if item is None:
            return json({"error": f"no content item with id {item_id!r}"}, status=404)
        return json(item.as_dict())

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve Ember's content library.")
    parser.add_argument("--host", default=os.environ.get("EMBER_CONTENT_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("EMBER_CONTENT_PORT", 5056)))
    parser.add_argument("--content", type=Path, default=library.CONTENT_DIR)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    create_app(args.content).run(host=args.host, port=args.port, access_log=False)


if __name__ == "__main__":
    main()
