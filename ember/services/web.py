"""Ember's web page: the chat widget, its assets, and two small JSON endpoints.

    GET /                          the page (web/index.html) and its assets, all local
    GET /config.json               where the page opens its socket (Rasa's socketio channel)
    GET /api/history/<uuid4>       one conversation's messages, from Rasa's tracker
    GET /api/contacts?country=GB   the support contacts, as rendered into domain/helplines.yml
    GET /health

The history endpoint asks Rasa's HTTP API with the API token, which never reaches the
browser, and returns only what the widget shows. The conversation id is the capability:
the page creates a random UUID4 and keeps it in the browser, and anything that is not a
UUID4 is refused, so nobody can read a conversation by guessing a short or well-known id.
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
from sanic.response import HTTPResponse, file, json

from ember.core.conversation_id import is_conversation_id
from ember.core.helplines import COUNTRY_NAMES
from ember.core.project import DOMAIN_DIR, PROJECT_ROOT

logger = logging.getLogger(__name__)

WEB_DIR = PROJECT_ROOT / "web"
# The contacts responses, rendered by `make helplines` (tools/sync_helplines.py).
DOMAIN = DOMAIN_DIR / "helplines.yml"
CONTACTS_RESPONSE = "utter_support_contacts"
# Public path -> file under web/. Nothing else in web/ (package.json, node_modules) is served.
ASSETS = {
    "/": "index.html",
    "/chat.js": "chat.js",
    "/chat.css": "chat.css",
    "/favicon.svg": "favicon.svg",
    "/mood-chart.js": "mood-chart.js",
    "/journal.js": "journal.js",
    "/continuity.css": "continuity.css",
    "/vendor/socket.io.min.js": "node_modules/socket.io-client/dist/socket.io.min.js",
}
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


def conversation_messages(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages a person saw, in order, from a tracker's events.

    Bot texts are split into paragraphs with the buttons on the last one, as Rasa's socketio
    channel sends them live. A payload the page sent for a button or control is shown by the
    label the page sent with it in `metadata.label`, as it was shown when it was clicked.
    """
    messages: list[dict[str, Any]] = []
    for event in events:
        kind, time = event.get("event"), event.get("timestamp")
        if kind == "user" and event.get("text"):
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
    websocket = socket.replace("http://", "ws://", 1)
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src 'self' {socket} {websocket}; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


def create_app(rasa_url: str, token: str) -> Sanic:
    missing = [path for path in ASSETS.values() if not (WEB_DIR / path).is_file()]
    if missing:
        raise FileNotFoundError(
            f"missing web assets {missing}: run `make run`, which installs them with npm ci"
        )
    app = Sanic("ember_web")
    app.ctx.contacts, app.ctx.default_contacts = load_contacts()
    rasa_url = rasa_url.rstrip("/")

    @app.before_server_start
    async def open_client(app: Sanic, _) -> None:
        app.ctx.http = aiohttp.ClientSession(timeout=RASA_TIMEOUT)

    @app.after_server_stop
    async def close_client(app: Sanic, _) -> None:
        await app.ctx.http.close()

    @app.on_response
    async def security_headers(request: Request, response: HTTPResponse) -> None:
        response.headers["Content-Security-Policy"] = content_security_policy(
            socket_url(request.host, rasa_url)
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"

    def serve_asset(path: str):
        async def asset(request: Request) -> HTTPResponse:
            return await file(WEB_DIR / path)

        return asset

    for number, (route, path) in enumerate(ASSETS.items()):
        app.add_route(serve_asset(path), route, name=f"asset_{number}")

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    @app.get("/config.json")
    async def config(request: Request) -> HTTPResponse:
        return json({"socketUrl": socket_url(request.host, rasa_url)})

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
    create_app(args.rasa_url, token).run(host=args.host, port=args.port, access_log=False)


if __name__ == "__main__":
    main()
