"""The socketio channel and the web page's history endpoint with the real servers."""

import uuid

import pytest
import requests
import socketio

from ember.core.conversation_id import is_conversation_id
from tests.e2e.conftest import Socket

pytestmark = pytest.mark.e2e

FOREIGN = "http://elsewhere.example"


def user_texts(tracker: dict) -> list[str]:
    return [event["text"] for event in tracker["events"] if event["event"] == "user"]


async def test_the_socket_accepts_the_page_origins_and_refuses_others(ember):
    for origin in ember.origins:
        async with Socket(ember.base_url, origin) as page:
            assert is_conversation_id(await page.session(str(uuid.uuid4())))
    with pytest.raises(socketio.exceptions.ConnectionError):
        async with Socket(ember.base_url, FOREIGN):
            pass


async def test_the_embedding_site_may_open_a_socket_and_an_unlisted_one_may_not(ember):
    async with Socket(ember.base_url, ember.host_url) as panel:
        assert is_conversation_id(await panel.session(str(uuid.uuid4())))
    with pytest.raises(socketio.exceptions.ConnectionError):
        async with Socket(ember.base_url, ember.unlisted_host_url):
            pass


def test_long_polling_is_refused_as_each_worker_knows_only_its_own_sockets(ember):
    handshake = f"{ember.base_url}/socket.io/?EIO=4&transport=polling"
    refused = requests.get(handshake, headers={"Origin": ember.page_url}, timeout=10)
    assert refused.status_code == 400


def test_rasa_allows_cross_origin_reads_for_the_page_only(ember):
    page = requests.get(f"{ember.base_url}/", headers={"Origin": ember.page_url}, timeout=10)
    assert page.headers.get("Access-Control-Allow-Origin") == ember.page_url
    foreign = requests.get(f"{ember.base_url}/", headers={"Origin": FOREIGN}, timeout=10)
    assert "Access-Control-Allow-Origin" not in foreign.headers  # not echoed, not a wildcard


async def test_a_socket_gets_one_uuid4_conversation_and_cannot_write_into_another(ember):
    someone = str(uuid.uuid4())
    ember.say(someone, "hi")
    async with Socket(ember.base_url, ember.page_url) as page:
        mine = await page.session("default")
        assert is_conversation_id(mine)
        replies = await page.say("he stopped replying", session_id=someone)
        assert replies and all("text" in reply for reply in replies)
    assert user_texts(ember.tracker(someone)) == ["hi"]
    assert user_texts(ember.tracker(mine)) == ["he stopped replying"]


async def test_the_history_endpoint_returns_what_the_page_showed(ember):
    ember.start_web()
    async with Socket(ember.base_url, ember.page_url) as page:
        mine = await page.session(str(uuid.uuid4()))
        first = await page.say("she blocked me everywhere")
        await page.say("/request_grounding", metadata={"label": "A grounding exercise"})

    answer = requests.get(f"{ember.page_url}/api/history/{mine}", timeout=10)
    assert answer.status_code == 200
    messages = answer.json()["messages"]
    assert [m["text"] for m in messages if m["from"] == "user"] == [
        "she blocked me everywhere",
        "A grounding exercise",
    ]
    shown_live = [
        (reply["text"], [b["payload"] for b in reply.get("quick_replies", [])]) for reply in first
    ]
    restored = [
        (m["text"], [b["payload"] for b in m["buttons"]]) for m in messages[1 : 1 + len(first)]
    ]
    assert restored == shown_live
    assert all(isinstance(m["time"], float) for m in messages)
    assert "e2e-test-token" not in answer.text
    assert requests.get(f"{ember.page_url}/api/history/default", timeout=10).status_code == 400
