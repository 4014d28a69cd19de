"""Every message gets an answer, said honestly, whatever failed: the channel's last resort
(ember/server/channels/replies.py) with Ember's real domain and Rasa's real stores."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import InMemoryLockStore, LockError
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, BotUttered, FollowupAction, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from ember.server.channels.replies import AnswersWhenItFails, handle_with_reply
from ember.server.stores.tracker import (
    ConversationNotSaved,
    ConversationUnreadable,
    ErasureFailed,
    HonestTrackerStore,
)
from tests.helpers import PROJECT_ROOT


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain"))


class BrokenLockStore(InMemoryLockStore):
    def issue_ticket(self, conversation_id: str, lock_lifetime: float = 60) -> int:
        raise LockError("Redis is down")


def agent(domain: Domain, lock_store=None, store=None) -> SimpleNamespace:
    tracker_store = HonestTrackerStore(store or InMemoryTrackerStore(domain))
    return SimpleNamespace(
        domain=domain,
        nlg=TemplatedNaturalLanguageGenerator(domain.responses),
        tracker_store=tracker_store,
        lock_store=lock_store or InMemoryLockStore(),
    )


def said(domain: Domain, *responses: str) -> list[str]:
    """What these responses send, paragraph by paragraph."""
    return [part for name in responses for part in domain.responses[name][0]["text"].split("\n\n")]


async def answer(
    agent, text: str, handle, metadata=None, sender="0b8f5f6e-2c1d-4a57-9a43-1f0e6d2b7c9a"
) -> list[str]:
    """The texts sent (Rasa's channels send each paragraph of a response on its own)."""
    output = CollectingOutputChannel()
    message = UserMessage(text, output, sender, metadata=metadata)
    await handle_with_reply(agent, handle, message, lambda: len(output.messages))
    return [sent.get("text", "") for sent in output.messages]


def raising(error: Exception, said: str | None = None):
    async def handle(message: UserMessage) -> None:
        if said:
            await message.output_channel.send_response(message.sender_id, {"text": said})
        raise error

    return handle


async def test_a_turn_that_could_not_be_saved_says_so_after_its_replies(domain):
    texts = await answer(
        agent(domain), "i miss her", raising(ConversationNotSaved("x"), "I hear you")
    )
    assert texts == ["I hear you", *said(domain, "utter_message_not_saved")]


async def test_a_crisis_whose_turn_failed_to_save_before_any_reply_still_gets_contacts(domain):
    texts = await answer(
        agent(domain),
        "i want to end my life",
        raising(ConversationNotSaved("x")),
        {"country": "GB"},
    )
    assert "116 123" in " ".join(texts)  # Samaritans: the contacts for the page's country
    assert texts[-1] == said(domain, "utter_message_not_saved")[-1]


async def test_with_the_lock_store_down_a_crisis_gets_contacts_and_the_truth(domain):
    texts = await answer(
        agent(domain, lock_store=BrokenLockStore()),
        "i want to end my life",
        raising(LockError("Redis is down")),
    )
    assert "findahelpline.com" in " ".join(texts)
    assert texts[-1] == said(domain, "utter_message_not_saved")[-1]


async def test_with_the_tracker_store_unreadable_anything_else_gets_the_apology(domain):
    texts = await answer(
        agent(domain, lock_store=BrokenLockStore()),
        "i miss her",
        raising(ConversationUnreadable("OperationalError")),
    )
    assert texts == said(domain, "utter_something_went_wrong", "utter_message_not_saved")


async def test_an_erasure_is_confirmed_only_once_the_store_erased_it(domain):
    store = InMemoryTrackerStore(domain)
    helper = agent(domain, store=store)

    async def erased(message: UserMessage) -> None:
        store.erased_conversations = {message.sender_id}  # what ErasesOnRequest.save records

    assert await answer(helper, "yes", erased) == said(domain, "utter_data_deleted")

    # Told once: the next turn is an ordinary one.
    async def replies(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": "Hello again"})

    assert await answer(helper, "hi", replies) == ["Hello again"]


async def test_a_failed_erasure_says_nothing_was_deleted(domain):
    texts = await answer(agent(domain), "yes", raising(ErasureFailed("OperationalError")))
    assert texts == said(domain, "utter_data_not_deleted")


def replying(text: str):
    """A stand-in for Rasa that answers every message and counts them."""

    async def handle(message: UserMessage) -> None:
        handle.taken += 1
        await message.output_channel.send_response(message.sender_id, {"text": text})

    handle.taken = 0
    return handle


async def test_a_second_wall_of_text_straight_after_the_first_is_not_taken_and_says_so(domain):
    sender, wall = str(uuid.uuid4()), "i keep writing to you " * 4_600
    rasa = replying("Could you send it in pieces?")
    assert await answer(agent(domain), wall, rasa, sender=sender) == [
        "Could you send it in pieces?"
    ]
    second = await answer(agent(domain), wall, rasa, sender=sender)
    assert second == said(domain, "utter_long_message_not_taken")
    assert rasa.taken == 1, "the second wall of text never reached Rasa"
    # Ordinary messages are never paced, and other conversations have their own pause.
    assert await answer(agent(domain), "i miss him", rasa, sender=sender) == [
        "Could you send it in pieces?"
    ]
    assert await answer(agent(domain), wall, rasa, sender=str(uuid.uuid4()))
    assert rasa.taken == 3


async def test_a_wall_of_text_that_is_not_taken_still_gets_crisis_contacts(domain):
    sender = str(uuid.uuid4())
    wall = "he left and everything fell apart. " * 200
    rasa = replying("Could you send it in pieces?")
    await answer(agent(domain), wall, rasa, sender=sender)
    texts = await answer(agent(domain), wall + "i want to kill myself tonight", rasa, sender=sender)
    assert "findahelpline.com" in " ".join(texts)
    assert texts[-1] == said(domain, "utter_long_message_not_taken")[-1]


class UnreachableAction(RemoteAction):
    async def run(self, output_channel, nlg, tracker, domain):
        raise RasaException("Couldn't connect to the action server")


def in_a_reflection(domain: Domain, intent: str, said_already: bool = False):
    tracker = DialogueStateTracker.from_events(
        "someone",
        [
            ActiveLoop("acceptance_form"),
            UserUttered("the answer", intent={"name": intent, "confidence": 1.0}),
            *([BotUttered("already said")] if said_already else []),
        ],
        domain.slots,
    )
    return tracker


async def run_failing(domain: Domain, action, tracker) -> tuple[list, list[str]]:
    output = CollectingOutputChannel()
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    events = await AnswersWhenItFails(action, None).run(output, nlg, tracker, domain)
    return events, [e.text for e in events if isinstance(e, BotUttered)]


async def test_a_safety_message_whose_action_failed_gets_its_replies_and_leaves_the_reflection(
    domain,
):
    failing = UnreachableAction("validate_acceptance_form", None)
    events, texts = await run_failing(domain, failing, in_a_reflection(domain, "crisis"))
    assert texts[0].startswith(said(domain, "utter_crisis")[0])
    assert ActiveLoop(None) in events
    assert events[-1] == FollowupAction("action_listen")


async def test_a_failed_action_after_a_reply_ends_the_turn_without_an_apology(domain):
    failing = UnreachableAction("action_welcome_back", None)
    tracker = in_a_reflection(domain, "greet", said_already=True)
    events, texts = await run_failing(domain, failing, tracker)
    assert texts == [] and events == [FollowupAction("action_listen")]


async def test_a_form_declining_an_answer_is_left_to_rasa(domain):
    class Declining(RemoteAction):
        async def run(self, output_channel, nlg, tracker, domain):
            raise ActionExecutionRejection(self.name())

    with pytest.raises(ActionExecutionRejection):
        await run_failing(
            domain,
            Declining("validate_acceptance_form", None),
            in_a_reflection(domain, "share_reflection"),
        )
