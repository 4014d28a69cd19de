"""Ember's REST channel: Rasa's own, with every request checked before it reaches the bot.

Rasa's `RestInput` answers a payload without a sender by filing the message under the
shared id "default" (where strangers would read each other), accepts any content type
(so any web page could post to it without a CORS preflight), logs the person's text when
handling fails, and answers with silence when an action cannot run. This channel turns
malformed requests into a clear 4xx, refuses foreign origins, and makes sure a valid
message always gets a reply (replies.py).

Anyone who can reach the webhook and knows a conversation's id can read it, write into it or
erase it, so ids must be unguessable: a random UUID4 (ember.core.conversation_id), unless
the caller sends the server's API token (`Authorization: Bearer <token>`, the token of
EMBER_API_TOKEN or var/api_token), as another server or an operator's script may. Either
way an id uses a small safe set of characters, or the request gets a 400.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from ember.core.conversation_id import (
    MAX_SENDER_ID_LENGTH,
    SENDER_ID_CHARACTERS,
    is_random_sender_id,
    is_safe_sender_id,
)
from ember.core.origins import configured_origins
from ember.core.project import TOKEN_VARIABLE
from ember.server.channels.replies import InvalidRequest, handle_with_reply, message_and_metadata

logger = logging.getLogger(__name__)

# Far above anything a person types (the NLU pipeline answers long messages kindly, see
# ember.server.nlu.message_guard); this only stops a client from making the server parse
# megabytes.
MAX_BODY_BYTES = 1_000_000


@dataclass(frozen=True)
class Incoming:
    sender: str
    text: str
    metadata: dict[str, Any] | None


def parse_request(content_type: str | None, body: bytes, trusted: bool = False) -> Incoming:
    """The sender, text and metadata of a webhook request, or InvalidRequest saying why not."""
    if len(body) > MAX_BODY_BYTES:
        raise InvalidRequest(413, "That message is too large to send. Please send a shorter one.")
    if (content_type or "").split(";")[0].strip().lower() != "application/json":
        raise InvalidRequest(415, "Send the message as JSON (Content-Type: application/json).")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidRequest(400, "The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise InvalidRequest(400, 'Send a JSON object: {"sender": "...", "message": "..."}.')
    sender = payload.get("sender")
    if not is_safe_sender_id(sender):
        raise InvalidRequest(
            400,
            f'"sender" must be 1 to {MAX_SENDER_ID_LENGTH} characters: '
            f"{SENDER_ID_CHARACTERS}; best a random UUID4.",
        )
    if not trusted and not is_random_sender_id(sender):
        raise InvalidRequest(
            400,
            '"sender" must be a random UUID4 (for example from uuid.uuid4()): anyone who '
            "guessed a simpler id could read that conversation.",
        )
    return Incoming(sender, *message_and_metadata(payload))


def holds_api_token(authorization: str | None, token: str | None) -> bool:
    scheme, _, presented = (authorization or "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(presented, token)


class EmberRestInput(RestInput):
    """POST /webhooks/rest/webhook, as with Rasa's channel, with checked input."""

    def __init__(self, allowed_origins: Iterable[str] = ()) -> None:
        self.allowed_origins = frozenset(allowed_origins)

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> EmberRestInput:
        return cls(configured_origins(credentials))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            origin = request.headers.get("origin")
            if origin is not None and origin not in self.allowed_origins:
                return response.json({"error": "This origin may not talk to Ember."}, status=403)
            try:
                trusted = holds_api_token(
                    request.headers.get("authorization"), os.environ.get(TOKEN_VARIABLE)
                )
                incoming = parse_request(request.headers.get("content-type"), request.body, trusted)
            except InvalidRequest as invalid:
                return response.json({"error": invalid.message}, status=invalid.status)
            collector = CollectingOutputChannel()
            message = UserMessage(
                incoming.text,
                collector,
                incoming.sender,
                input_channel=self.name(),
                metadata=incoming.metadata,
            )
            try:
                await handle_with_reply(
                    request.app.ctx.agent, on_new_message, message, lambda: len(collector.messages)
                )
            except Exception as error:  # noqa: BLE001 - e.g. the tracker store is unreachable
                logger.error("Could not answer a message: %s", type(error).__name__)
                return response.json(
                    {"error": "Ember can't answer right now. Please try again in a moment."},
                    status=503,
                )
            return response.json(collector.messages)

        return webhook
