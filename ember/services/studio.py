"""The review studio (`make studio`): Ember's maintainers read real conversations, correct what
Ember misunderstood and turn them into training data or tests. Local and private.

    GET  /                                 the studio's page (web/studio/) and its assets
    GET  /api/inbox?needs_review=1&from=YYYY-MM-DD&to=…&intent=…&reviewed=yes|no&tag=…
    GET  /api/conversations/<id>[?open=1]  one conversation (a sensitive one only with open=1)
    POST /api/conversations/<id>/review    {"corrections": {turn: intent}, "bad_replies":
                                            {turn: note}, "tags": [...], "reviewed": true}
    POST /api/conversations/<id>/save      {"kind": "training" | "test"} (a sensitive one
                                            only by someone who opened it)
    GET  /api/saves, POST /api/saves/<id>/undo
    GET  /api/progress                     what changed since the last model
    GET  /health

Every page and endpoint needs HTTP Basic authentication: any user name (it is who the audit
log names) and the studio's password, EMBER_STUDIO_TOKEN or else the one generated into
var/studio_token. Anything else gets 401. A POST must also carry `X-Ember-Studio: 1`, which a
page on another site cannot send, so a browser that remembers the password cannot be made
to save from elsewhere. The logic is in tools/transcripts/review.py.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, file, json

from ember.core.project import PROJECT_ROOT

logger = logging.getLogger(__name__)

STUDIO_DIR = PROJECT_ROOT / "web" / "studio"
ASSETS = {"/": "index.html", "/studio.js": "studio.js", "/studio.css": "studio.css"}
STUDIO_TOKEN_VARIABLE = "EMBER_STUDIO_TOKEN"
TOKEN_FILE = PROJECT_ROOT / "var" / "studio_token"
DEFAULT_PORT = 5057
REALM = 'Basic realm="Ember review studio", charset="UTF-8"'
CSRF_HEADER = "X-Ember-Studio"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# A save's work besides validating: the plan, the held-out overlap check before and after.
SAVE_MARGIN_SECONDS = 120
UNEXPECTED = "Something went wrong in the studio; nothing was changed. Try again, or see its log."


def operator(request: Request, token: str) -> str | None:
    """The user name of a request with the right password, else None."""
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        name, _, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not name.strip() or not secrets.compare_digest(password.encode(), token.encode()):
        return None
    return name.strip()[:60]


def create_app(studio, token: str) -> Sanic:
    from tools.transcripts.parsers import TranscriptError
    from tools.transcripts.review import ReviewError
    from tools.validate import VALIDATE_TIMEOUT_SECONDS

    missing = [path for path in ASSETS.values() if not (STUDIO_DIR / path).is_file()]
    if missing:
        raise FileNotFoundError(f"missing studio files under web/studio/: {missing}")
    app = Sanic("ember_studio")
    # A save validates the data (tools/validate.py) and can take minutes on a busy machine.
    # Past Sanic's 60 s the page was told "nothing was changed" while the save went on and
    # changed the data; the response now waits for the validation's own limit and more.
    app.config.RESPONSE_TIMEOUT = VALIDATE_TIMEOUT_SECONDS + SAVE_MARGIN_SECONDS

    @app.on_request
    async def authenticate(request: Request) -> HTTPResponse | None:
        who = operator(request, token)
        if who is None:
            return json(
                {"error": "The studio needs its password (var/studio_token)."},
                status=401,
                headers={"WWW-Authenticate": REALM},
            )
        if request.method == "POST" and request.headers.get(CSRF_HEADER) != "1":
            return json({"error": f"A change needs the {CSRF_HEADER} header."}, status=403)
        request.ctx.who = who
        return None

    @app.on_response
    async def security_headers(request: Request, response: HTTPResponse) -> None:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"

    @app.exception(ReviewError)
    async def refused(request: Request, error: ReviewError) -> HTTPResponse:
        return json({"error": str(error)}, status=error.status)

    @app.exception(TranscriptError)
    async def unreadable(request: Request, error: TranscriptError) -> HTTPResponse:
        return json({"error": str(error)}, status=503)

    @app.exception(Exception)
    async def unexpected(request: Request, error: Exception) -> HTTPResponse:
        status = getattr(error, "status_code", 500)
        if status < 500:
            return json({"error": str(error)}, status=status)
        # The type only: an exception's text may quote what someone wrote.
        logger.error("The studio failed on %s: %s", request.path, type(error).__name__)
        return json({"error": UNEXPECTED}, status=500)

    def serve_asset(path: str):
        async def asset(request: Request) -> HTTPResponse:
            return await file(STUDIO_DIR / path)

        return asset

    for number, (route, path) in enumerate(ASSETS.items()):
        app.add_route(serve_asset(path), route, name=f"asset_{number}")

    async def run(function, *args) -> HTTPResponse:
        # Reading the store, loading the model and validating block: off the event loop.
        return json(await asyncio.to_thread(function, *args))

    def body(request: Request) -> dict[str, Any]:
        if not isinstance(request.json, dict):
            raise ReviewError("Send a JSON object.")
        return request.json

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    @app.get("/api/inbox")
    async def inbox(request: Request) -> HTTPResponse:
        filters = {name: request.args.get(name, "") for name in request.args}
        return await run(studio.inbox, filters)

    @app.get("/api/conversations/<key:str>")
    async def conversation(request: Request, key: str) -> HTTPResponse:
        opened = request.args.get("open") == "1"
        return await run(studio.view, key, request.ctx.who, opened)

    @app.post("/api/conversations/<key:str>/review")
    async def review(request: Request, key: str) -> HTTPResponse:
        return await run(studio.update_review, key, request.ctx.who, body(request))

    @app.post("/api/conversations/<key:str>/save")
    async def save(request: Request, key: str) -> HTTPResponse:
        kind = str(body(request).get("kind"))
        return await run(studio.save, key, request.ctx.who, kind)

    @app.get("/api/saves")
    async def saves(request: Request) -> HTTPResponse:
        return await run(studio.recent_saves)

    @app.post("/api/saves/<save_id:str>/undo")
    async def undo(request: Request, save_id: str) -> HTTPResponse:
        return await run(studio.undo, save_id, request.ctx.who)

    @app.get("/api/progress")
    async def progress(request: Request) -> HTTPResponse:
        return await run(studio.progress)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Ember's review studio: read conversations, correct them, save training data."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("EMBER_STUDIO_PORT", DEFAULT_PORT))
    )
    parser.add_argument(
        "--endpoints",
        type=Path,
        default=PROJECT_ROOT / "endpoints.yml",
        help="endpoints file naming the tracker store (endpoints.prod.yml: PostgreSQL)",
    )
    parser.add_argument(
        "--project", type=Path, default=PROJECT_ROOT, help="where data/ and tests/ are written"
    )
    parser.add_argument(
        "--model",
        type=Path,
        help="model that predicts a corrected story (default <project>/models/ember.tar.gz)",
    )
    parser.add_argument(
        "--state", type=Path, help="review state folder (default <project>/var/studio)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # Rasa logs every prediction of a save, with what was said: warnings only.
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)

    from tools.serve import stored_secret
    from tools.transcripts.parsers import (
        TranscriptError,
        is_sqlite_file,
        sqlite_url,
        store_url_from_endpoints,
    )
    from tools.transcripts.review import Studio

    project = args.project.resolve()
    try:
        url = store_url_from_endpoints(project, args.endpoints)
    except TranscriptError as error:
        parser.exit(2, f"{error}\n")
    if "://" not in url:
        path = Path(url)
        if not path.exists() or not is_sqlite_file(path):
            parser.exit(
                2, f"No conversations stored yet ({path} does not exist): talk to Ember first.\n"
            )
        url = sqlite_url(path)
    token = stored_secret(STUDIO_TOKEN_VARIABLE, TOKEN_FILE)
    studio = Studio(project, url, args.state or project / "var" / "studio", args.model)
    where = "EMBER_STUDIO_TOKEN" if os.environ.get(STUDIO_TOKEN_VARIABLE) else TOKEN_FILE
    print(
        f"Review studio: http://{args.host}:{args.port}/  (any user name; the password is in "
        f"{where})",
        flush=True,
    )
    create_app(studio, token).run(host=args.host, port=args.port, access_log=False)


if __name__ == "__main__":
    main()
