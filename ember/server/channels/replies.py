"""What every chat channel shares: checking a message, and making sure it gets an answer.

The REST channel (rest.py) and the socket channel (socketio.py) take messages in different
envelopes; both hand them to Rasa through `handle_with_reply`, so a valid message always
gets a reply, a safety message its contacts, and the logs never the person's words.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.actions.action import Action, ActionExecutionRejection, action_for_name_or_text
from rasa.core.actions.forms import FormAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.nlg import NaturalLanguageGenerator
from rasa.shared.core.constants import ACTION_DEACTIVATE_LOOP_NAME, ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event, FollowupAction, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from ember.core.pacing import PACED_REPLY_DELAY_SECONDS, LongMessagePace
from ember.core.risk import decide
from ember.core.slots import COUNTRY_SLOT
from ember.core.text import bounded, too_long
from ember.server.nlu.channel_country import country_from_metadata
from ember.server.stores.tracker import ConversationNotSaved, ErasureFailed, HonestTrackerStore

logger = logging.getLogger(__name__)

# C0 controls (but tab and newlines) and DEL carry no meaning in a chat message, and NUL
# cannot be stored in PostgreSQL text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
APOLOGY_RESPONSE = "utter_something_went_wrong"
NOT_SAVED_RESPONSE = "utter_message_not_saved"
ERASED_RESPONSE = "utter_data_deleted"
ERASURE_FAILED_RESPONSE = "utter_data_not_deleted"
LONG_MESSAGE_NOT_TAKEN_RESPONSE = "utter_long_message_not_taken"
# What a safety message gets when Rasa could not answer it: typically a reflection was
# active and its validation action could not run, which ends the turn before any rule.
# These replies need nothing but the domain (data/rules/safety.yml has the same pairs).
SAFETY_REPLIES = {
    "crisis": ["utter_crisis", "utter_crisis_followup"],
    "abuse": ["utter_abuse", "utter_abuse_check_safe"],
    "unclear_risk": ["utter_safety_question"],
    "request_crisis_contacts": ["utter_support_contacts"],
}


# One per worker process: a conversation whose messages reach two workers may send a very
# long message to each within a pause, which still bounds the work.
long_messages = LongMessagePace()


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

    Silence happens when a custom action cannot run (the action server is down, hung or
    overloaded): Rasa logs it and waits for the next message. A safety message then gets
    its contacts, anything else a kind apology: domain responses run through Rasa, so they
    are stored with the conversation like any other reply. When the conversation store or
    the lock store is what failed, the same replies are sent without being stored, and the
    person is told plainly that their message could not be kept. Logs name the failure,
    never the person's words.
    """
    if too_long(message.text or "") and not long_messages.takes(message.sender_id):
        # Not handed to Rasa, so neither read by the classifier nor stored: said plainly.
        safety = SAFETY_REPLIES.get(decide_unstored(message) or "", [])
        if not safety:
            await asyncio.sleep(PACED_REPLY_DELAY_SECONDS)
        await send_unstored(agent, message, [*safety, LONG_MESSAGE_NOT_TAKEN_RESPONSE])
        return
    try:
        await on_new_message(message)
    except ErasureFailed:
        await send_unstored(agent, message, [ERASURE_FAILED_RESPONSE])
        return
    except ConversationNotSaved:
        # Rasa answered, but the turn is not in the store: say so, and never leave a
        # safety message without its contacts.
        if not replies_sent():
            await send_unstored(agent, message, replies_for(decide_unstored(message)))
        await send_unstored(agent, message, [NOT_SAVED_RESPONSE])
        return
    except Exception as error:  # noqa: BLE001 - the person must still get an answer
        logger.error("Handling a message failed with %s", type(error).__name__)
    else:
        if take_erasure(agent, message.sender_id):
            # Confirmed only now that the store has deleted it; not stored, as nothing is.
            await send_unstored(agent, message, [ERASED_RESPONSE])
            return
    if replies_sent():
        return
    try:
        await answer_in_the_conversation(agent, message)
    except Exception as error:  # noqa: BLE001 - the lock or tracker store is unreachable
        logger.error("Answering without Rasa failed with %s", type(error).__name__)
        await send_unstored(agent, message, replies_for(decide_unstored(message)))
        await send_unstored(agent, message, [NOT_SAVED_RESPONSE])


def replies_for(intent: str | None) -> list[str]:
    return SAFETY_REPLIES.get(intent or "", [APOLOGY_RESPONSE])


def actions_instead(intent: str | None) -> list[str]:
    """What a turn Rasa could not finish does instead: the safety replies or the apology."""
    if intent in SAFETY_REPLIES:
        # Leave the reflection that could not go on, as the safety rules would.
        return [*SAFETY_REPLIES[intent], ACTION_DEACTIVATE_LOOP_NAME]
    return [APOLOGY_RESPONSE]


class AnswersWhenItFails(Action):
    """A custom action (or a form, whose answers a custom action checks) that, when the
    action server cannot run it, answers the turn itself and ends it.

    Rasa logs the failure and goes on predicting as if the action had done its work: a
    reflection that could not start went straight on to its summary, with every answer
    "None". Ending the turn instead, with the reply the channels give a turn Rasa left
    unanswered, leaves the person's message stored and nothing said that did not happen.
    A reflection stays active, so the next answer is checked once the server is back.
    """

    def __init__(self, action: Action, action_endpoint: Any) -> None:
        self._action = action
        self._action_endpoint = action_endpoint

    def name(self) -> str:
        return self._action.name()

    def event_for_successful_execution(self, prediction: Any) -> Event:
        return self._action.event_for_successful_execution(prediction)

    async def run(
        self,
        output_channel: OutputChannel,
        nlg: NaturalLanguageGenerator,
        tracker: DialogueStateTracker,
        domain: Domain,
    ) -> list[Event]:
        try:
            return await self._action.run(output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise  # a form declining an answer: Rasa's own path
        except Exception as error:  # noqa: BLE001 - whatever failed, the turn gets an answer
            logger.error("Action %s failed with %s", self.name(), type(error).__name__)
        events: list[Event] = []
        # A greeting already said needs no apology for the welcome-back that could not
        # follow it; a reflection's introduction promised questions that will not come.
        if isinstance(self._action, FormAction) or not said_this_turn(tracker):
            for name in actions_instead(tracker.latest_message.intent.get("name")):
                action = action_for_name_or_text(name, domain, self._action_endpoint)
                events += await action.run(output_channel, nlg, tracker, domain)
        return [*events, FollowupAction(ACTION_LISTEN_NAME)]


def said_this_turn(tracker: DialogueStateTracker) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered):
            return True
    return False


async def answer_in_the_conversation(agent: Agent, message: UserMessage) -> None:
    """The safety replies or the apology, run through Rasa and stored with the conversation."""
    async with agent.lock_store.lock(message.sender_id):
        intent = await intent_of_this_message(agent, message)
        # action_listen ends the turn as Rasa would; without it the next message would
        # follow a bot utterance, match no rule, and even a crisis would get a fallback.
        for action in [*actions_instead(intent), ACTION_LISTEN_NAME]:
            await agent.execute_action(
                message.sender_id, action, message.output_channel, None, None
            )


def take_erasure(agent: Agent, sender_id: str) -> bool:
    store = agent.tracker_store
    return isinstance(store, HonestTrackerStore) and store.take_erasure(sender_id)


def decide_unstored(message: UserMessage) -> str | None:
    """What the words alone say (crisis, abuse, unclear risk), when Rasa could not read them."""
    return decide(bounded(message.text or ""), [])


async def send_unstored(agent: Agent, message: UserMessage, responses: list[str]) -> None:
    """Sends domain responses straight to the channel: needs neither store nor action server.

    The country the channel passed in the metadata picks the local contacts, as it does in
    the conversation.
    """
    tracker = DialogueStateTracker(message.sender_id, agent.domain.slots)
    country = country_from_metadata(message.metadata)
    if country and any(slot.name == COUNTRY_SLOT for slot in agent.domain.slots):
        tracker.update(SlotSet(COUNTRY_SLOT, country))
    for name in responses:
        reply = await agent.nlg.generate(name, tracker, message.output_channel.name())
        if reply:
            await message.output_channel.send_response(message.sender_id, reply)


async def intent_of_this_message(agent: Agent, message: UserMessage) -> str | None:
    """The intent Rasa stored for this message. If Rasa failed before storing it (the lock
    store was down when it arrived), it is stored now, read by the NLU with its safety net,
    so that nothing the person wrote is lost and a crisis still gets contacts."""
    tracker = await agent.tracker_store.retrieve(message.sender_id)
    latest = tracker.latest_message if tracker else None
    if latest is None or latest.message_id != message.message_id:
        tracker = await agent.processor.log_message(message)
        latest = tracker.latest_message
    return latest.intent.get("name") if latest else None
