"""Ember's web page: the chat widget, its assets, and two small JSON endpoints.

    GET /                          the page (web/index.html) and its assets, all local
    GET /embed.js                  the chat panel for other web sites, in one script
    GET /config.json               where the page opens its socket (Rasa's socketio channel)
    GET /api/history/<uuid4>       one conversation's messages, from Rasa's tracker
    GET /api/contacts?country=GB   the support contacts, as rendered into domain/helplines.yml
    GET /health

The history endpoint asks Rasa's HTTP API with the API token, which never reaches the
browser, and returns only what the widget shows. The conversation id is the capability:
the page creates a random UUID4 and keeps it in the browser, and anything that is not a
UUID4 is refused, so nobody can read a conversation by guessing a short or well-known id.

A browser names the page that makes a cross-origin request in its `Origin` header. The JSON
endpoints answer such a request only for the sites listed in EMBER_EMBED_ORIGINS (and
EMBER_WEB_ORIGINS), with CORS headers for exactly that origin; any other site gets a 403, so
a page elsewhere cannot read a conversation in a visitor's browser even if it learnt the id.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import yaml
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, file, json, text

from ember.core.conversation_id import is_conversation_id
from ember.core.helplines import COUNTRY_NAMES
from ember.core.origins import ORIGINS_VARIABLE, embed_origins, parse_origins
from ember.core.project import DOMAIN_DIR, PROJECT_ROOT
from ember.core.visits import REOPENED_INTENT

logger = logging.getLogger(__name__)

WEB_DIR = PROJECT_ROOT / "web"
# The contacts responses, rendered by `make helplines` (tools/sync_helplines.py).
DOMAIN = DOMAIN_DIR / "helplines.yml"
CONTACTS_RESPONSE = "utter_support_contacts"
# Public path -> file under web/. Nothing else in web/ (package.json, node_modules) is served.
ASSETS = {
    "/": "index.html",
    "/chat.js": "chat.js",
    "/page.js": "page.js",
    "/chat.css": "chat.css",
    "/embed.css": "embed.css",
    "/favicon.svg": "favicon.svg",
    "/mood-chart.js": "mood-chart.js",
    "/journal.js": "journal.js",
    "/continuity.css": "continuity.css",
    "/vendor/socket.io.min.js": "node_modules/socket.io-client/dist/socket.io.min.js",
}
SOCKET_IO = "node_modules/socket.io-client/dist/socket.io.min.js"
# The panel in one script, sharing chat.js with the page. The Socket.IO client's UMD wrapper
# puts itself in `module.exports` when there is one, so it adds no global to the host page.
EMBED_PARTS = (SOCKET_IO, "chat.js", "embed.js")
EMBED_PREFIX = "(function () {\nvar module = { exports: {} }, exports = module.exports;"
# EMBER_SAME_ORIGIN=1: behind nginx (deploy/), the socket is on the page's own origin.
SAME_ORIGIN_VARIABLE = "EMBER_SAME_ORIGIN"
LABEL_LIMIT = 200
RASA_TIMEOUT = aiohttp.ClientTimeout(total=10)
UNREACHABLE = (
    "Ember's conversation server is not reachable right now. "
    "Your conversation is kept; please try again in a moment."
)


def socket_url(page_host: str, rasa_url: str) -> str:
    """Rasa's socket, on the host name the person used for the page (so cookies and CSP agree)."""
    hostname = urlsplit(f"//{page_host}").hostname or "localhost"
    if ":" in hostname:
        hostname = f"[{hostname}]"
    return f"http://{hostname}:{urlsplit(rasa_url).port or 5005}"


def sent_by_the_page(event: dict[str, Any]) -> bool:
    """The page's own "opened again" message, which the person never typed or saw."""
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    return intent == REOPENED_INTENT


def conversation_messages(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages a person saw, in order, from a tracker's events.

    Bot texts are split into paragraphs with the buttons on the last one, as Rasa's socketio
    channel sends them live. A payload the page sent for a button or control is shown by the
    label the page sent with it in `metadata.label`, as it was shown when it was clicked.
    """
    messages: list[dict[str, Any]] = []
    for event in events:
        kind, time = event.get("event"), event.get("timestamp")
        if kind == "user" and event.get("text") and not sent_by_the_page(event):
            label = (event.get("metadata") or {}).get("label")
            shown = label[:LABEL_LIMIT] if isinstance(label, str) and label else event["text"]
            messages.append({"from": "user", "text": shown, "time": time})
        elif kind == "bot":
            buttons = [
                {"title": str(button.get("title", "")), "payload": str(button.get("payload", ""))}
                for button in (event.get("data") or {}).get("buttons") or []
            ]
            parts = (event.get("text") or "").strip().split("\n\n")
            for number, part in enumerate(parts, start=1):
                last = number == len(parts)
                if part or (last and buttons):
                    messages.append(
                        {
                            "from": "bot",
                            "text": part,
                            "time": time,
                            "buttons": buttons if last else [],
                        }
                    )
    return messages


def load_contacts(domain: Path = DOMAIN) -> tuple[dict[str, str], str]:
    """The support-contacts response per country, and the one for an unknown country."""
    variants = yaml.safe_load(domain.read_text())["responses"][CONTACTS_RESPONSE]
    by_country: dict[str, str] = {}
    default = ""
    for variant in variants:
        conditions = variant.get("condition") or []
        if not conditions:
            default = variant["text"]
        for condition in conditions:
            if condition.get("name") == "country":
                by_country[str(condition["value"])] = variant["text"]
    if not default:
        raise ValueError(f"{domain}: {CONTACTS_RESPONSE} has no variant for an unknown country")
    return by_country, default


def content_security_policy(socket: str) -> str:
    if socket:
        websocket = socket.replace("http://", "ws://", 1)
        connect = f"'self' {socket} {websocket}"
    else:
        connect = "'self'"  # the socket is on the page's own origin
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src {connect}; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


def embed_script(web_dir: Path = WEB_DIR) -> str:
    """web/embed.js with the Socket.IO client and chat.js, all in one function scope."""
    socket_io, *widget = [(web_dir / part).read_text(encoding="utf-8") for part in EMBED_PARTS]
    # Newlines between the parts: the Socket.IO file ends in a `//# sourceMappingURL` comment.
    return "\n".join([EMBED_PREFIX, socket_io, "var io = module.exports;", *widget, "})();\n"])


def exit_url() -> str | None:
    """Where quick exit takes someone (EMBER_EXIT_URL); None leaves web/chat.js's default."""
    configured = os.environ.get("EMBER_EXIT_URL", "").strip()
    if not configured:
        return None
    if urlsplit(configured).scheme not in ("http", "https"):
        raise ValueError(f"EMBER_EXIT_URL must be an http(s) address, not {configured!r}")
    return configured


def allowed_origins() -> frozenset[str]:
    """The sites whose pages may read the JSON endpoints from a visitor's browser."""
    page = parse_origins(os.environ.get(ORIGINS_VARIABLE), allow_none=True)
    return frozenset(page + embed_origins())


def same_host(origin: str, request: Request) -> bool:
    return urlsplit(origin).netloc == request.host


def create_app(rasa_url: str, token: str, same_origin: bool = False) -> Sanic:
    missing = [path for path in (*ASSETS.values(), *EMBED_PARTS) if not (WEB_DIR / path).is_file()]
    if missing:
        raise FileNotFoundError(
            f"missing web assets {missing}: run `make run`, which installs them with npm ci"
        )
    app = Sanic("ember_web")
    app.ctx.contacts, app.ctx.default_contacts = load_contacts()
    app.ctx.embed = embed_script()
    app.ctx.exit_url = exit_url()
    origins = allowed_origins()
    rasa_url = rasa_url.rstrip("/")

    def page_socket(request: Request) -> str:
        return "" if same_origin else socket_url(request.host, rasa_url)

    @app.on_request
    async def refuse_other_sites(request: Request) -> HTTPResponse | None:
        # Same-origin GETs carry no Origin; a page on another site always sends one.
        origin = request.headers.get("origin")
        if origin is None or origin in origins or same_host(origin, request):
            return None
        if request.path == "/config.json" or request.path.startswith("/api/"):
            logger.warning("Refused a request from another site's page.")
            return json({"error": "This site may not use Ember's chat."}, status=403)
        return None

    @app.before_server_start
    async def open_client(app: Sanic, _) -> None:
        app.ctx.http = aiohttp.ClientSession(timeout=RASA_TIMEOUT)

    @app.after_server_stop
    async def close_client(app: Sanic, _) -> None:
        await app.ctx.http.close()

    @app.on_response
    async def security_headers(request: Request, response: HTTPResponse) -> None:
        response.headers["Content-Security-Policy"] = content_security_policy(page_socket(request))
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        origin = request.headers.get("origin")
        if origin in origins:
            response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"

    def serve_asset(path: str):
        async def asset(request: Request) -> HTTPResponse:
            return await file(WEB_DIR / path)

        return asset

    for number, (route, path) in enumerate(ASSETS.items()):
        app.add_route(serve_asset(path), route, name=f"asset_{number}")

    @app.get("/embed.js")
    async def embed(request: Request) -> HTTPResponse:
        return text(app.ctx.embed, content_type="text/javascript; charset=utf-8")

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    @app.get("/config.json")
    async def config(request: Request) -> HTTPResponse:
        # An empty socketUrl: the page's (or the panel's script's) own origin.
        return json({"socketUrl": page_socket(request), "exitUrl": app.ctx.exit_url})

    @app.get("/api/history/<conversation_id:str>")
    async def history(request: Request, conversation_id: str) -> HTTPResponse:
        if not is_conversation_id(conversation_id):
            return json(
                {"error": "a conversation id is a random UUID4 made by the page"}, status=400
            )
        try:
            async with app.ctx.http.get(
                f"{rasa_url}/conversations/{conversation_id}/tracker", params={"token": token}
            ) as answer:
                if answer.status != 200:
                    logger.error("Rasa answered %d for a conversation history.", answer.status)
                    return json({"error": UNREACHABLE}, status=502)
                tracker = await answer.json()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            # The type only: an aiohttp error can quote the URL, and with it the token.
            logger.error(
                "Could not reach Rasa for a conversation history: %s", type(error).__name__
            )
            return json({"error": UNREACHABLE}, status=503)
        return json({"messages": conversation_messages(tracker.get("events") or [])})

    @app.get("/api/contacts")
    async def contacts(request: Request) -> HTTPResponse:
        code = (request.args.get("country") or "").strip().upper()
        known = code in app.ctx.contacts
        return json(
            {
                "country": code if known else None,
                "text": app.ctx.contacts[code] if known else app.ctx.default_contacts,
                "countries": [
                    {"code": each, "name": COUNTRY_NAMES.get(each, each)}
                    for each in app.ctx.contacts
                    if each in COUNTRY_NAMES
                ],
            }
        )

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve Ember's web chat page.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("EMBER_WEB_PORT", 8000)))
    parser.add_argument(
        "--rasa-url",
        default="http://127.0.0.1:5005",
        help="Rasa's HTTP API, where the history is read",
    )
    args = parser.parse_args()
    token = os.environ.get("EMBER_API_TOKEN")
    if not token:
        parser.exit(2, "EMBER_API_TOKEN is not set: start the page with `make run`.\n")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    same_origin = os.environ.get(SAME_ORIGIN_VARIABLE) == "1"
    try:
        app = create_app(args.rasa_url, token, same_origin)
    except ValueError as error:  # EMBER_EXIT_URL or an origin list that is not exact
        parser.exit(2, f"{error}\n")
    app.run(host=args.host, port=args.port, access_log=False)


if __name__ == "__main__":
    main()
