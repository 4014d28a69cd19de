"""Ember's REST channel: Rasa's own, with every request checked before it reaches the bot.

Rasa's `RestInput` answers a payload without a sender by filing the message under the
shared id "default" (where strangers would read each other), accepts any content type
(so any web page could post to it without a CORS preflight), logs the person's text when
handling fails, and answers with silence when an action cannot run. This channel turns
malformed requests into a clear 4xx, refuses foreign origins, and makes sure a valid
message always gets a reply.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.constants import ACTION_DEACTIVATE_LOOP_NAME, ACTION_LISTEN_NAME
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

import ember.action_schema  # noqa: F401 - speeds up every custom action call in this server
import ember.rasa_hot_paths  # noqa: F401 - and every tracker load and rule prediction
from ember.origins import configured_origins
from ember.safety_net import CRISIS_INTENT, Risk, assess

logger = logging.getLogger(__name__)

# Far above anything a person types (the NLU pipeline answers long messages kindly, see
# ember.message_guard); this only stops a client from making the server parse megabytes.
MAX_BODY_BYTES = 1_000_000
MAX_SENDER_LENGTH = 128
# C0 controls (but tab and newlines) and DEL carry no meaning in a chat message, and NUL
# cannot be stored in PostgreSQL text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
APOLOGY_RESPONSE = "utter_something_went_wrong"
# What a safety message gets when Rasa could not answer it: typically a reflection was
# active and its validation action could not run, which ends the turn before any rule.
# These replies need nothing but the domain (data/rules/safety.yml has the same pairs).
SAFETY_REPLIES = {
    "crisis": ["utter_crisis", "utter_crisis_followup"],
    "abuse": ["utter_abuse"],
    "unclear_risk": ["utter_ask_about_safety"],
    "request_crisis_contacts": ["utter_support_contacts"],
}


class InvalidRequest(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Incoming:
    sender: str
    text: str
    metadata: dict[str, Any] | None


def without_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


def parse_request(content_type: str | None, body: bytes) -> Incoming:
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
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_LENGTH:
        raise InvalidRequest(
            400, f'"sender" must be a non-empty string of at most {MAX_SENDER_LENGTH} characters.'
        )
    return Incoming(sender, *message_and_metadata(payload))


def message_and_metadata(
    payload: Any, metadata_key: str = "metadata"
) -> tuple[str, dict[str, Any] | None]:
    """The text (without control characters) and metadata of a message, from any channel."""
    if not isinstance(payload, dict):
        raise InvalidRequest(400, 'Send an object: {"message": "..."}.')
    text = payload.get("message")
    if not isinstance(text, str):
        raise InvalidRequest(400, '"message" must be a string.')
    metadata = payload.get(metadata_key)
    if metadata is not None and not isinstance(metadata, dict):
        raise InvalidRequest(400, f'"{metadata_key}" must be an object when given.')
    return without_control_characters(text), metadata


async def handle_with_reply(
    agent: Agent,
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    replies_sent: Callable[[], int],
) -> None:
    """Hands the message to Rasa; if that fails or Rasa says nothing, answers anyway.

    Silence happens when a custom action cannot run (the action server is down or
    overloaded): Rasa logs it and waits for the next message. A safety message then gets
    its contacts, anything else a kind apology: domain responses run through Rasa, so
    they are stored with the conversation like any other reply. Logs name the failure,
    never the person's words.
    """
    try:
        await on_new_message(message)
    except Exception as error:  # noqa: BLE001 - the person must still get an answer
        logger.error("Handling a message failed with %s", type(error).__name__)
    if replies_sent():
        return
    async with agent.lock_store.lock(message.sender_id):
        replies = SAFETY_REPLIES.get(await intent_of_this_message(agent, message))
        if replies:
            # Leave the reflection that could not go on, as the safety rules would.
            actions = [*replies, ACTION_DEACTIVATE_LOOP_NAME]
        else:
            actions = [APOLOGY_RESPONSE]
        # action_listen ends the turn as Rasa would; without it the next message would
        # follow a bot utterance, match no rule, and even a crisis would get a fallback.
        for action in [*actions, ACTION_LISTEN_NAME]:
            await agent.execute_action(
                message.sender_id, action, message.output_channel, None, None
            )


async def intent_of_this_message(agent: Agent, message: UserMessage) -> str | None:
    """The intent Rasa stored for this message; if Rasa failed before storing it, what the
    crisis safety net reads in its words (so a crisis still gets contacts)."""
    tracker = await agent.tracker_store.retrieve(message.sender_id)
    latest = tracker.latest_message if tracker else None
    if latest is not None and latest.message_id == message.message_id:
        return latest.intent.get("name")
    return CRISIS_INTENT if assess(message.text or "") is Risk.CRISIS else None


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
                incoming = parse_request(request.headers.get("content-type"), request.body)
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

