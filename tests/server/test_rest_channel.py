import json

import pytest
import yaml

from ember.core.origins import ORIGINS_VARIABLE, OriginConfigError
from ember.server.channels.replies import (
    SAFETY_REPLIES,
    InvalidRequest,
    without_control_characters,
)
from ember.server.channels.rest import (
    MAX_BODY_BYTES,
    EmberRestInput,
    Incoming,
    holds_api_token,
    parse_request,
)
from tests.helpers import PROJECT_ROOT

JSON = "application/json"


def body(payload) -> bytes:
    return json.dumps(payload).encode()


PERSON = "0b8f5f6e-2c1d-4a57-9a43-1f0e6d2b7c9a"


def test_a_well_formed_message_is_accepted():
    incoming = parse_request(
        "application/json; charset=utf-8",
        body({"sender": PERSON, "message": "hi", "metadata": {"country": "GB"}}),
    )
    assert incoming == Incoming(PERSON, "hi", {"country": "GB"})


@pytest.mark.parametrize("sender", [PERSON, PERSON.replace("-", "")])  # `rasa shell`: 32 digits
def test_random_ids_need_no_token(sender):
    assert parse_request(JSON, body({"sender": sender, "message": "hi"})).sender == sender


@pytest.mark.parametrize(
    "sender", ["me", "default", "a1", "user-1", "0b8f5f6e2c1d1a579a431f0e6d2b7c9a"]
)
def test_guessable_ids_are_refused_without_the_api_token(sender):
    with pytest.raises(InvalidRequest) as invalid:
        parse_request(JSON, body({"sender": sender, "message": "hi"}))
    assert invalid.value.status == 400
    assert "UUID4" in invalid.value.message
    assert parse_request(JSON, body({"sender": sender, "message": "hi"}), trusted=True)


@pytest.mark.parametrize("sender", ["a\x00b", "line\nbreak", "a b", "a/b", "é", "x" * 129, ""])
def test_unsafe_ids_are_refused_even_with_the_api_token(sender):
    with pytest.raises(InvalidRequest) as invalid:
        parse_request(JSON, body({"sender": sender, "message": "hi"}), trusted=True)
    assert invalid.value.status == 400


@pytest.mark.parametrize(
    ("authorization", "held"),
    [
        ("Bearer s3cret", True),
        ("bearer s3cret", True),
        ("Bearer s3cre", False),
        ("Bearer ", False),
        ("Basic s3cret", False),
        (None, False),
    ],
)
def test_the_api_token_is_recognised_only_exactly(authorization, held):
    assert holds_api_token(authorization, "s3cret") is held
    assert holds_api_token(authorization, None) is False


@pytest.mark.parametrize(
    ("content_type", "raw", "status"),
    [
        (JSON, b"{not json", 400),
        (JSON, b"\xff\xfe\x00", 400),
        (JSON, b"", 400),
        (JSON, body(["sender", "message"]), 400),
        (JSON, body({"message": "hi"}), 400),  # Rasa would file it under "default"
        (JSON, body({"sender": "", "message": "hi"}), 400),
        (JSON, body({"sender": "   ", "message": "hi"}), 400),
        (JSON, body({"sender": 42, "message": "hi"}), 400),
        (JSON, body({"sender": "x" * 129, "message": "hi"}), 400),
        (JSON, body({"sender": PERSON}), 400),
        (JSON, body({"sender": PERSON, "message": None}), 400),
        (JSON, body({"sender": PERSON, "message": ["hi"]}), 400),
        (JSON, body({"sender": PERSON, "message": "hi", "metadata": "GB"}), 400),
        ("text/plain", body({"sender": "a1", "message": "hi"}), 415),
        ("application/x-www-form-urlencoded", b"sender=a1&message=hi", 415),
        (None, body({"sender": "a1", "message": "hi"}), 415),
        (JSON, b" " * (MAX_BODY_BYTES + 1), 413),
    ],
)
def test_malformed_requests_get_a_clear_status_and_reason(content_type, raw, status):
    with pytest.raises(InvalidRequest) as invalid:
        parse_request(content_type, raw)
    assert invalid.value.status == status
    assert invalid.value.message


def test_control_characters_are_dropped_but_text_and_line_breaks_kept():
    assert without_control_characters("he\x00llo\x07\n\tthere\x1b\x7f 💔 مرحبا") == (
        "hello\n\tthere 💔 مرحبا"
    )


def test_empty_and_whitespace_messages_pass_through_to_get_a_reply():
    assert parse_request(JSON, body({"sender": PERSON, "message": ""})).text == ""
    assert parse_request(JSON, body({"sender": PERSON, "message": "  \n"})).text == "  \n"


def test_origins_come_from_the_environment_or_credentials_and_must_be_exact(monkeypatch):
    monkeypatch.delenv(ORIGINS_VARIABLE, raising=False)
    credentials = {"allowed_origins": ["http://localhost:8000"]}
    assert EmberRestInput.from_credentials(credentials).allowed_origins == {"http://localhost:8000"}
    monkeypatch.setenv(ORIGINS_VARIABLE, "http://localhost:9000")
    assert EmberRestInput.from_credentials(credentials).allowed_origins == {"http://localhost:9000"}
    monkeypatch.delenv(ORIGINS_VARIABLE)
    for refused in (None, {"allowed_origins": ["*"]}):
        with pytest.raises(OriginConfigError):
            EmberRestInput.from_credentials(refused)


def test_safety_replies_match_the_safety_rules():
    rules = yaml.safe_load((PROJECT_ROOT / "data" / "rules" / "safety.yml").read_text())["rules"]
    by_intent = {
        rule["steps"][0]["intent"]: [step.get("action") for step in rule["steps"][1:]]
        for rule in rules
        if "condition" not in rule and "intent" in rule["steps"][0]
    }
    for intent, replies in SAFETY_REPLIES.items():
        assert by_intent[intent] == replies


class StoreAndReadAgent:
    """The parts of Rasa's agent the fallback uses: the store, and the processor's way of
    storing a message it reads (here read by a stand-in for the NLU)."""

    def __init__(self, store, readings: dict[str, str]):
        from types import SimpleNamespace

        self.tracker_store = store
        self.processor = SimpleNamespace(log_message=self._log_message)
        self.readings = readings

    async def _log_message(self, message):
        from rasa.shared.core.events import UserUttered

        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        reading = {"name": self.readings[message.text]}
        tracker.update(UserUttered(message.text, reading, message_id=message.message_id))
        await self.tracker_store.save(tracker)
        return tracker


async def test_the_fallback_reads_this_message_not_an_older_one_and_stores_it():
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from ember.server.channels.replies import intent_of_this_message

    store = InMemoryTrackerStore(Domain.empty())
    tracker = DialogueStateTracker("ana", [])
    tracker.update(UserUttered("i want to die", {"name": "crisis"}, message_id="earlier"))
    await store.save(tracker)
    agent = StoreAndReadAgent(store, {"thanks": "thank_you", "i want to kill myself": "crisis"})

    def message(text, message_id):
        return UserMessage(text, CollectingOutputChannel(), "ana", message_id=message_id)

    assert await intent_of_this_message(agent, message("i want to die", "earlier")) == "crisis"
    # Rasa failed before storing these (the lock store was down): each is stored now and
    # read for itself, never as the previous message.
    assert await intent_of_this_message(agent, message("thanks", "new")) == "thank_you"
    assert (
        await intent_of_this_message(agent, message("i want to kill myself", "newer")) == "crisis"
    )
    stored = [e.text for e in (await store.retrieve("ana")).events if isinstance(e, UserUttered)]
    assert stored == ["i want to die", "thanks", "i want to kill myself"]
