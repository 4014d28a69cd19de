"""The full page over HTTPS through nginx (deploy/'s rules, the session's certificate), with
Rasa's private parts kept private, and quick exit on the full page."""

from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.test_widget import paragraphs
from tests.servers import TOKEN

pytestmark = pytest.mark.browser


def test_the_page_talks_to_ember_on_its_own_https_origin(new_chat, https, domain):
    chat = new_chat(url=f"{https.https_url}/")
    sockets = []
    chat.page.on("websocket", lambda socket: sockets.append(socket.url))
    chat.open()
    chat.say("hi")
    assert set(chat.bot_texts()) & set(paragraphs(domain, "utter_ai_notice"))
    assert sockets and all(
        url.startswith(f"wss://localhost:{https.https_port}/") for url in sockets
    )

    chat.page.reload()
    chat.page.locator(".msg.bot").first.wait_for()
    assert chat.user_texts() == ["hi"]


def test_rasas_http_api_and_the_rest_webhook_stay_private(https, certificate):
    someone = str(uuid.uuid4())
    https.say(someone, "hi")  # straight to Rasa: it has the conversation
    get = {"timeout": 10, "verify": str(certificate.cert)}
    tracker = requests.get(
        f"{https.https_url}/conversations/{someone}/tracker", params={"token": TOKEN}, **get
    )
    assert tracker.status_code == 404
    assert "events" not in tracker.text
    for path in ["/version", "/status", "/model/parse"]:
        assert (
            requests.get(f"{https.https_url}{path}", params={"token": TOKEN}, **get).status_code
            == 404
        )
    webhook = requests.post(
        f"{https.https_url}/webhooks/rest/webhook",
        json={"sender": someone, "message": "what did I say?"},
        **get,
    )
    assert webhook.status_code == 403
    # What is public is served: the page, the embed, and the history by its id.
    assert requests.get(f"{https.https_url}/", **get).status_code == 200
    assert requests.get(f"{https.https_url}/embed.js", **get).status_code == 200
    history = requests.get(f"{https.https_url}/api/history/{someone}", **get)
    assert [m["text"] for m in history.json()["messages"] if m["from"] == "user"] == ["hi"]


def test_quick_exit_on_the_page_clears_it_and_replaces_it(new_chat, host_site):
    chat = new_chat().open()
    chat.say("hi")
    expect(chat.page.get_by_role("button", name="Quick exit")).to_be_visible()
    # Clicked and checked in one task of the page: cleared at once, before the browser has
    # even started for the neutral page (EMBER_EXIT_URL).
    left_on_screen = chat.page.evaluate(
        """() => {
            document.getElementById("exit-button").click();
            return document.body.children.length;
        }"""
    )
    assert left_on_screen == 0
    chat.page.wait_for_url(host_site.exit_url)
    chat.page.go_back()
    assert not chat.page.url.startswith(host_site.page_url)
