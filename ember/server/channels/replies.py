"""What every chat channel shares: checking a message, and making sure it gets an answer.

The REST channel (rest.py) and the socket channel (socketio.py) take messages in different
envelopes; both hand them to Rasa through `handle_with_reply`, so a valid message always
gets a reply, a safety message its contacts, and the logs never the person's words.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.constants import ACTION_DEACTIVATE_LOOP_NAME, ACTION_LISTEN_NAME

from ember.core.risk import CRISIS_INTENT, Risk, assess

logger = logging.getLogger(__name__)

# C0 controls (but tab and newlines) and DEL carry no meaning in a chat message, and NUL
# cannot be stored in PostgreSQL text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
APOLOGY_RESPONSE = "utter_something_went_wrong"
# What a safety message gets when Rasa could not answer it: typically a reflection was
# active and its validation action could not run, which ends the turn before any rule.
# These replies need nothing but the domain (data/rules/safety.yml has the same pairs).
SAFETY_REPLIES = {
    "crisis": ["utter_crisis", "utter_crisis_followup"],
    "abuse": ["utter_abuse", "utter_abuse_check_safe"],
    "unclear_risk": ["utter_safety_question"],
    "request_crisis_contacts": ["utter_support_contacts"],
}


class InvalidRequest(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def without_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


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
