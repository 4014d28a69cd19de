"""Whole conversations with the real servers over the REST channel."""

import sqlite3
import uuid

import pytest
import requests

from ember.core import content_library
from tests.e2e.conftest import buttons, texts

pytestmark = pytest.mark.e2e


def variations(domain, response, situation=None):
    """Texts of a response; with a situation, only the variations conditioned on it."""
    found = []
    for variation in domain["responses"][response]:
        conditions = {c["name"]: c["value"] for c in variation.get("condition", [])}
        if situation is None or conditions.get("situation") == situation:
            found.append(variation["text"])
    return found


def said(replies, domain, response, situation=None):
    # The REST channel sends each paragraph of a response as its own message.
    sent = texts(replies)
    return any(text in sent for text in variations(domain, response, situation))


def new_sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}"


def test_a_whole_boundary_conversation(ember, domain):
    me = new_sender()

    replies = ember.say(me, "hi")
    assert said(replies, domain, "utter_ai_notice")
    assert said(replies, domain, "utter_greet")

    replies = ember.say(me, "she blocked me everywhere, insta, whatsapp, even my number")
    assert said(replies, domain, "utter_they_blocked_me")
    assert "/request_boundaries" in buttons(replies)

    replies = ember.say(me, "/request_boundaries")
    assert said(replies, domain, "utter_boundary_intro")
    assert said(replies, domain, "utter_ask_boundary_form_pull_trigger", "they_blocked_me")

    answers = {
        "pull_trigger": "rereading our old chats at 2am",
        "boundary_rule": "no contact; archive the chat and don't reread it",
        "boundary_duration": "30 days",
        "urge_plan": "go for a walk and write in my journal instead",
    }
    replies = []
    for answer in answers.values():
        replies = ember.say(me, answer)
        assert replies, f"no reply to {answer!r}"
    summary = texts(replies)
    for answer in answers.values():
        assert answer in summary
    assert said(replies, domain, "utter_boundary_closing")
    assert "/request_professional_help" in buttons(replies)

    slots = ember.tracker(me)["slots"]
    assert slots["situation"] == "they_blocked_me"
    assert {slot: slots[slot] for slot in answers} == answers


def test_stop_leaves_a_reflection_and_nothing_said_is_lost(ember, domain):
    me = new_sender()
    ember.say(me, "can you help me accept that it is over")
    ember.say(me, "that i never got to say goodbye")
    replies = ember.say(me, "stop")
    assert said(replies, domain, "utter_form_stopped")
    tracker = ember.tracker(me)
    assert tracker["active_loop"] == {} or tracker["active_loop"].get("name") is None
    assert tracker["slots"]["hardest_part"] == "that i never got to say goodbye"


def test_crisis_comes_first_inside_a_reflection_with_local_contacts(ember, domain):
    me = new_sender()
    assert said(ember.say(me, "i live in the uk"), domain, "utter_support_contacts")
    ember.say(me, "/request_self_love")
    replies = ember.say(me, "i dont want to be alive anymore")
    reply = texts(replies)
    assert "999" in reply and "116 123" in reply
    assert ember.tracker(me)["active_loop"].get("name") is None


def test_professional_help_without_a_country_points_to_directories(ember, domain):
    replies = ember.say(new_sender(), "how do i find a therapist near me")
    assert said(replies, domain, "utter_find_therapist")
    assert "findahelpline.com" in texts(replies)
    assert '/inform_country{"country":"US"}' in buttons(replies)


def test_deleting_the_conversation_erases_it_from_the_tracker_store(ember, domain):
    me, someone_else = new_sender(), new_sender()
    ember.say(me, "he went back to his ex and i feel so stupid")
    ember.say(someone_else, "hello")
    assert said(ember.say(me, "delete everything i told you"), domain, "utter_confirm_delete")
    assert said(ember.say(me, "yes"), domain, "utter_data_deleted")

    with sqlite3.connect(ember.db) as db:
        count = "SELECT COUNT(*) FROM events WHERE sender_id = ?"
        assert db.execute(count, (me,)).fetchone()[0] == 0
        assert db.execute(count, (someone_else,)).fetchone()[0] > 0
    assert [e for e in ember.tracker(me)["events"] if e["event"] == "user"] == []


def test_the_confirmation_is_heard_in_the_words_people_use(ember, domain):
    # "yes delete it" reads as asking again, "no wait, leave it" as stopping: both answer it.
    me = new_sender()
    ember.say(me, "he went back to his ex and i feel so stupid")
    ember.say(me, "delete everything i told you")
    assert said(ember.say(me, "no wait, leave it"), domain, "utter_delete_cancelled")
    ember.say(me, "actually delete everything i told you")
    assert said(ember.say(me, "yes delete it"), domain, "utter_data_deleted")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/conversations/{me}/tracker", None),
        ("GET", "/conversations/{me}/story", None),
        ("POST", "/conversations/{me}/tracker/events", [{"event": "restart"}]),
        ("PUT", "/conversations/{me}/tracker/events", []),
        ("POST", "/conversations/{me}/messages", {"text": "hi", "sender": "user"}),
        ("POST", "/conversations/{me}/execute", {"name": "utter_greet"}),
        ("POST", "/conversations/{me}/trigger_intent", {"name": "greet"}),
        ("POST", "/conversations/{me}/predict", None),
        ("POST", "/model/parse", {"text": "hi"}),
        ("GET", "/status", None),
    ],
)
@pytest.mark.parametrize("token", [None, "not-the-secret"])
def test_no_conversation_can_be_read_or_changed_without_the_api_secret(
    ember, method, path, body, token
):
    me = new_sender()
    ember.say(me, "my private words")
    response = requests.request(
        method,
        ember.base_url + path.format(me=me),
        json=body,
        params={"token": token} if token else None,
        timeout=10,
    )
    assert response.status_code == 401
    assert "my private words" not in response.text
    users = [e["text"] for e in ember.tracker(me)["events"] if e["event"] == "user"]
    assert users == ["my private words"]


def test_a_conversation_survives_a_restart(ember, domain):
    me = new_sender()
    ember.say(me, "he stopped replying three weeks ago")
    ember.say(me, "/request_acceptance")
    ember.say(me, "the silence, not knowing why")

    ember.restart_rasa()

    replies = ember.say(me, "that i cant make him talk to me")
    assert said(replies, domain, "utter_ask_acceptance_form_within_reach")
    user_texts = [e["text"] for e in ember.tracker(me)["events"] if e["event"] == "user"]
    assert user_texts == [
        "he stopped replying three weeks ago",
        "/request_acceptance",
        "the silence, not knowing why",
        "that i cant make him talk to me",
    ]


def test_content_is_fetched_and_not_repeated(ember):
    exercises = {item.title for item in content_library.load().values() if item.kind == "exercise"}
    me = new_sender()
    first = ember.say(me, "can you give me a grounding exercise")
    second = ember.say(me, "another grounding exercise please")
    titles = [replies[0]["text"] for replies in (first, second)]
    assert set(titles) <= exercises
    assert titles[0] != titles[1]
    assert len(ember.tracker(me)["slots"]["content_seen"]) == 2


@pytest.mark.parametrize("opening", ["i feel so alone tonight", "i want to text him so bad rn"])
def test_a_conversation_that_opens_with_a_feeling_or_urge_starts_with_the_ai_notice(
    ember, domain, opening
):
    replies = ember.say(new_sender(), opening)
    assert said(replies[:1], domain, "utter_ai_notice")
