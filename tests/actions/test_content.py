"""action_fetch_content against the real service, a closed port, a slow and a broken server."""

import time

import pytest

from actions import content
from actions.content_client import ATTEMPT_TIMEOUT, ATTEMPTS, ContentClient
from tests.content_fixtures import misbehaving_server, write_item
from tests.helpers import make_tracker
from tools import serve
from tools.serve import free_port


@pytest.fixture(scope="module")
def service_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("served")
    write_item(folder, id="served-breathing", title="Served breathing")
    port = free_port()
    server = serve.content_server(port, content=folder)
    server.start().wait_ready(60)
    yield f"http://127.0.0.1:{port}"
    server.stop()


def bundled(item_id):
    return next(item for item in content.bundled_library() if item.id == item_id)


async def run_action(url, dispatcher, domain, **tracker):
    action = content.ActionFetchContent()
    action.client = ContentClient(url)
    return await action.run(dispatcher, make_tracker(**tracker), domain)


async def test_content_comes_from_the_service(service_url, dispatcher, domain):
    events = await run_action(service_url, dispatcher, domain, intent="request_grounding")
    assert dispatcher.messages[0]["text"].startswith("Served breathing")
    assert events[0]["name"] == content.SEEN_SLOT
    assert events[0]["value"] == ["served-breathing"]


async def test_a_closed_port_falls_back_to_the_bundled_library(dispatcher, domain):
    events = await run_action(
        f"http://127.0.0.1:{free_port()}", dispatcher, domain, intent="request_journal_prompt"
    )
    shown = events[0]["value"][-1]
    assert bundled(shown).kind == "journal_prompt"
    assert dispatcher.messages[0]["text"] == bundled(shown).text()


async def test_a_slow_service_falls_back_within_two_seconds(dispatcher, domain):
    with misbehaving_server(b'{"items": []}', delay=5) as url:
        started = time.monotonic()
        await run_action(url, dispatcher, domain, intent="request_affirmation")
        elapsed = time.monotonic() - started
    assert ATTEMPTS * ATTEMPT_TIMEOUT <= 2.0
    assert elapsed < 2.5
    assert dispatcher.messages and dispatcher.messages[0]["text"]


@pytest.mark.parametrize("body", [b"<html>not json</html>", b'{"items": [{"id": 3}]}', b"[]"])
async def test_garbage_from_the_service_falls_back(body, dispatcher, domain):
    with misbehaving_server(body) as url:
        events = await run_action(url, dispatcher, domain, intent="request_grounding")
    assert bundled(events[0]["value"][-1]).kind == "exercise"


async def test_what_was_seen_is_not_shown_again(dispatcher, domain):
    url = f"http://127.0.0.1:{free_port()}"
    first = await run_action(url, dispatcher, domain, intent="request_affirmation")
    seen = first[0]["value"]
    second = await run_action(
        url, dispatcher, domain, intent="request_affirmation", slots={content.SEEN_SLOT: seen}
    )
    assert second[0]["value"][-1] not in seen


def test_pick_loosens_filters_then_allows_repeats():
    calls = []

    def source(**query):
        calls.append(query)
        return ["repeat"] if not query["exclude"] and query["situation"] is None else []

    picked = content.pick(source, "card", None, "they_blocked_me", "feeling_lonely", ["a"])
    assert picked == "repeat"
    assert [(c["situation"], c["feeling"], c["exclude"]) for c in calls] == [
        ("they_blocked_me", "feeling_lonely", ["a"]),
        ("they_blocked_me", None, ["a"]),
        (None, None, ["a"]),
        ("they_blocked_me", "feeling_lonely", []),
        ("they_blocked_me", None, []),
        (None, None, []),
    ]


def test_pick_stops_at_once_when_the_source_fails():
    assert content.pick(lambda **query: None, "card", None, None, None, []) is None


def test_every_content_item_can_be_reached_from_some_moment():
    from actions.content import ROUTES
    from ember.core import content_library

    routes = ROUTES
    unreachable = [
        item.id
        for item in content_library.load().values()
        if not any(
            kind == item.kind and (flow is None or flow in item.flows) for kind, flow in routes
        )
    ]
    assert unreachable == []


def test_routes_follow_the_moment():
    from actions.content import route

    assert route("ask_why_they_ran", "action_listen", None) == ("card", "why")
    assert route("ask_what_to_say_back", "action_listen", None) == ("boundary_script", None)
    assert route("anything", "utter_boundary_summary", None) == ("plan", "boundaries")
    assert route("request_journal_prompt", "utter_offer_after_urge", "urge_to_contact") == (
        "exercise",
        "urges",
    )
    assert route("request_journal_prompt", "action_listen", "greet") == ("journal_prompt", None)
    assert route("request_journal_prompt", "action_listen", None, "blaming_myself") == (
        "exercise",
        "self_love",
    )
