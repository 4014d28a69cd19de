"""Bad input over REST: a clear 4xx or a kind reply, never a 500, and the server keeps serving."""

import json
import uuid

import pytest
import requests

from tests.e2e.conftest import Socket, carries_contacts, texts

pytestmark = pytest.mark.e2e

REST = "/webhooks/rest/webhook"


def new_sender() -> str:
    return str(uuid.uuid4())  # what a page or app without the API token must send


def post(ember, data: bytes, content_type: str | None = "application/json", **headers):
    if content_type:
        headers["Content-Type"] = content_type
    return requests.post(f"{ember.base_url}{REST}", data=data, headers=headers, timeout=60)


def still_serving(ember) -> None:
    assert texts(ember.say(new_sender(), "hi")), "the server stopped answering"


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (b'{"sender": "x", "message": "hi"', "application/json", 400),
        (b"\xff\xfe not utf-8", "application/json", 400),
        (b"[1, 2, 3]", "application/json", 400),
        (b'{"message": "hi there"}', "application/json", 400),
        (b'{"sender": "", "message": "hi"}', "application/json", 400),
        (b'{"sender": "x", "message": null}', "application/json", 400),
        (b'{"sender": "x", "message": "hi"}', "text/plain", 415),
        (b"sender=x&message=hi", "application/x-www-form-urlencoded", 415),
        (b'{"sender": "x", "message": "hi"}', None, 415),
    ],
)
def test_malformed_requests_get_a_clear_4xx(ember, data, content_type, status):
    response = post(ember, data, content_type)
    assert response.status_code == status
    assert response.json()["error"]
    assert "Traceback" not in response.text
    still_serving(ember)


def test_a_missing_sender_is_never_filed_under_a_shared_conversation(ember):
    post(ember, b'{"message": "my private words"}')
    events = ember.tracker("default")["events"]
    assert not [e for e in events if e.get("event") == "user"]


def test_a_foreign_origin_is_refused_and_the_page_origin_served(ember):
    payload = json.dumps({"sender": new_sender(), "message": "hi"}).encode()
    assert post(ember, payload, Origin="https://evil.example").status_code == 403
    allowed = post(ember, payload, Origin=ember.page_url)
    assert allowed.status_code == 200 and allowed.json()


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   \n\t ",
        "💔💔😢",
        "أشعر بالحزن منذ أن توقف عن الرد",  # Arabic, right to left
        "他不再回复我的消息了",
        "שלום\u200f hello \u202emixed",
        "hi\x00there\x07\x1b[31m",
        "a" * 200,
    ],
    ids=["empty", "whitespace", "emoji", "arabic", "chinese", "bidi", "control", "one-word"],
)
def test_odd_but_valid_messages_get_a_kind_reply(ember, message):
    sender = new_sender()
    replies = ember.say(sender, message)
    assert texts(replies).strip(), f"no reply to {message!r}"
    still_serving(ember)


def test_a_100_kb_message_is_kept_whole_and_answered_with_a_request_for_shorter_ones(ember, domain):
    sender = new_sender()
    message = "I keep writing to him in my head and it never ends. " * 2000
    assert len(message.encode()) > 100_000
    replies = texts(ember.say(sender, message))
    first_paragraph = domain["responses"]["utter_message_too_long"][0]["text"].split("\n\n")[0]
    assert first_paragraph in replies
    stored = [e["text"] for e in ember.tracker(sender)["events"] if e.get("event") == "user"]
    assert stored == [message.strip()]  # Rasa trims surrounding whitespace, nothing else
    still_serving(ember)


def test_crisis_words_in_a_100_kb_message_still_bring_contacts(ember):
    message = "nothing makes sense anymore. " * 3500 + "i am going to kill myself tonight"
    replies = texts(ember.say(new_sender(), message))
    assert "findahelpline.com" in replies or "befrienders.org" in replies


# The same over socketio, as the web page talks. A payload that cannot be taken gets an
# `invalid_message` event instead of a 400; everything else gets a reply.
@pytest.mark.parametrize(
    "payload",
    [
        "just a string",
        ["a", "list"],
        {"no_message": "hi"},
        {"message": None},
        {"message": 42},
        {"message": "hi", "metadata": "not an object"},
    ],
    ids=["string", "list", "no-message", "null", "number", "bad-metadata"],
)
async def test_socket_payloads_that_cannot_be_taken_get_an_invalid_message_event(ember, payload):
    async with Socket(ember.base_url, ember.page_url) as page:
        await page.session(str(uuid.uuid4()))
        events = await page.send(payload)
        assert [name for name, _ in events] == ["invalid_message"]
        assert events[0][1]["error"]
        replies = await page.say("hi")
        assert texts(replies).strip(), "the socket stopped answering"


@pytest.mark.parametrize(
    "message",
    [
        "",
        "  \n ",
        "💔😢",
        "أشعر بالحزن منذ أن توقف عن الرد",
        "hi\x00there\x07",
        "I keep writing to him in my head and it never ends. " * 2000,
    ],
    ids=["empty", "whitespace", "emoji", "arabic", "control", "100kb"],
)
async def test_odd_socket_messages_get_a_kind_reply_and_are_kept(ember, message):
    session_id = str(uuid.uuid4())
    async with Socket(ember.base_url, ember.page_url) as page:
        await page.session(session_id)
        replies = await page.say(message)
    assert texts(replies).strip(), f"no reply to {message[:40]!r}"
    stored = [e for e in ember.tracker(session_id)["events"] if e.get("event") == "user"]
    assert len(stored) == 1


async def test_a_socket_turn_whose_action_cannot_run_still_gets_a_kind_reply(ember, domain):
    session_id = str(uuid.uuid4())
    ember.stop_actions()
    try:
        async with Socket(ember.base_url, ember.page_url) as page:
            await page.session(session_id)
            apology = texts(await page.say("can i have an affirmation"))
            crisis = texts(await page.say("i want to end my life"))
    finally:
        ember.start_actions()
    assert domain["responses"]["utter_something_went_wrong"][0]["text"].split("\n\n")[0] in apology
    assert carries_contacts(crisis), crisis
