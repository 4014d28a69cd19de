"""The chat panel embedded in another site's page (web/embed.js), in a real browser.

Each test runs twice: with Ember over plain HTTP on localhost (the web service and Rasa on
their own ports), and over HTTPS through nginx with deploy/'s rules and the session's
generated certificate (one origin for the page, the embed, its endpoints and Socket.IO).
The host page is the tests' own (tests/browser/conftest.py), on another origin, under a
strict Content-Security-Policy.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import pytest
import requests
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.browser.conftest import Chat
from tests.browser.test_widget import paragraphs

pytestmark = pytest.mark.browser

EMBER_TEAL = "rgb(29, 90, 86)"


@pytest.fixture(params=["http", "https"])
def ember_origin(request, host_site) -> tuple[str, str]:
    """Ember's origin as the host page names it, and where its socket is."""
    if request.param == "https":
        served = request.getfixturevalue("https")
        return served.https_url, served.https_url
    return host_site.page_url, f"http://localhost:{host_site.rasa_port}"


@pytest.fixture
def embedded(new_chat, host_site, ember_origin):
    """Opens the host page (the listed origin unless `unlisted`), with the browser's console."""

    def open_host(
        width: int = 1100, unlisted: bool = False, css: str = "", embed: bool = True, **data
    ) -> Chat:
        origin, socket = ember_origin
        query = {"ember": origin, "socket": socket, "embed": "1" if embed else "0", **data}
        if css:
            query["css"] = css
        host = host_site.unlisted_host_url if unlisted else host_site.host_url
        chat = new_chat(width=width, url=f"{host}/?{urlencode(query)}", store="ember-chat")
        chat.console = []
        chat.page.on("console", lambda message: chat.console.append(message.text))
        chat.page.goto(chat.url)
        return chat

    return open_host


def open_panel(chat: Chat) -> None:
    chat.page.locator(".launcher").click()
    try:
        chat.page.locator("#send-button:not([disabled])").wait_for()
    except PlaywrightTimeoutError:
        status = chat.page.locator("#status").inner_text()
        pytest.fail(f"the panel did not connect: {status!r}; console: {chat.console}")


def policy_violations(chat: Chat) -> list[str]:
    return [text for text in chat.console if "Content Security Policy" in text]


def test_the_launcher_opens_the_panel_and_hi_brings_the_ai_notice(embedded, domain):
    chat = embedded()
    launcher = chat.page.locator(".launcher")
    expect(launcher).to_be_visible()
    expect(chat.page.locator("#panel")).to_be_hidden()
    expect(launcher).to_have_attribute("aria-expanded", "false")

    open_panel(chat)
    expect(chat.page.locator("#panel")).to_be_visible()
    expect(chat.page.locator("#panel")).to_have_attribute("role", "dialog")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(chat.page.locator("#message")).to_be_focused()
    expect(chat.page.locator("#panel .ai-note")).to_contain_text("not a therapist")
    chat.say("hi")

    said = chat.bot_texts()
    assert set(said) & set(paragraphs(domain, "utter_ai_notice"))
    assert set(said) & set(paragraphs(domain, "utter_greet"))
    assert chat.user_texts() == ["hi"]
    # Under the host's strict policy, and with one global only.
    assert policy_violations(chat) == []
    added = chat.page.evaluate(
        """() => {
            const blank = document.createElement("iframe");
            document.documentElement.append(blank);
            const native = new Set(Object.getOwnPropertyNames(blank.contentWindow));
            blank.remove();
            return Object.getOwnPropertyNames(window).filter((name) => !native.has(name));
        }"""
    )
    assert added == ["EmberChat"]


def test_a_reload_restores_the_history_from_the_server(embedded):
    chat = embedded()
    open_panel(chat)
    chat.say("he stopped replying three weeks ago")
    chat.click_reply("Boundaries")
    said_before = chat.bot_texts()

    chat.page.reload()
    open_panel(chat)
    chat.page.locator(".msg.bot").first.wait_for()
    assert chat.user_texts() == ["he stopped replying three weeks ago", "Boundaries"]
    assert chat.bot_texts() == said_before


def test_the_host_pages_css_cannot_break_the_panel_nor_the_panels_leak_out(embedded):
    def looks(chat: Chat) -> dict:
        return chat.page.evaluate(
            """() => {
                const root = document.querySelector("ember-chat").shadowRoot;
                const style = (selector) => getComputedStyle(root.querySelector(selector));
                const box = (selector) => root.querySelector(selector).getBoundingClientRect();
                return {
                    launcher: style(".launcher").backgroundColor,
                    position: style(".panel").position,
                    send: style("#send-button").backgroundColor,
                    font: style(".panel").fontFamily,
                    size: style("#message").fontSize,
                    panel: [box(".panel").width, box(".panel").height],
                    composer: style(".composer").display,
                };
            }"""
        )

    plain = embedded()
    open_panel(plain)
    expected = looks(plain)
    assert expected["launcher"] == EMBER_TEAL
    # The panel's button styles stay inside: the host's own button is not a teal pill.
    host_button = plain.page.evaluate(
        "getComputedStyle(document.querySelector('.host-button')).backgroundColor"
    )
    assert host_button != EMBER_TEAL

    hostile = embedded(css="aggressive")
    # The host's rules do apply to its own elements...
    expect(hostile.page.locator(".host-content")).to_be_hidden()
    open_panel(hostile)
    # ...and nothing of them to the panel.
    assert looks(hostile) == expected
    hostile.say("hi")
    assert hostile.bot_texts()
    for control in ["#crisis-button", "#delete-button", "#exit-button", "#message"]:
        expect(hostile.page.locator(control)).to_be_visible()


def test_an_unlisted_site_gets_no_chat_and_cannot_read_a_history(
    embedded, ember_origin, web, certificate
):
    someone = str(uuid.uuid4())
    web.say(someone, "hi")
    chat = embedded(unlisted=True)
    chat.page.locator(".launcher").click()
    expect(chat.page.locator("#status")).to_contain_text("could not start")
    expect(chat.page.locator("#send-button")).to_be_disabled()

    origin, _ = ember_origin
    # The page's own script cannot read it either: the server refuses, not only the browser.
    read = chat.page.evaluate(
        """async (url) => {
            try { await fetch(url); return "read"; } catch (error) { return "refused"; }
        }""",
        f"{origin}/api/history/{someone}",
    )
    assert read == "refused"
    answer = requests.get(
        f"{origin}/api/history/{someone}",
        headers={"Origin": web.unlisted_host_url},
        timeout=10,
        verify=str(certificate.cert) if origin.startswith("https") else True,
    )
    assert answer.status_code == 403
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_quick_exit_leaves_no_chat_on_screen_and_back_does_not_return(embedded, host_site):
    chat = embedded()
    open_panel(chat)
    chat.say("hi")

    expect(chat.page.get_by_role("button", name="Quick exit")).to_be_visible()
    # Clicked and checked in one task of the page: gone at once, before the browser has even
    # started for the neutral page.
    left = chat.page.evaluate(
        """() => {
            document.querySelector("ember-chat").shadowRoot.getElementById("exit-button").click();
            return [document.querySelector("ember-chat") !== null, typeof window.EmberChat];
        }"""
    )
    assert left == [False, "undefined"]
    chat.page.wait_for_url(host_site.exit_url)
    expect(chat.page.locator("body")).to_contain_text("Sunny spells")
    # The host page was replaced, not left: Back goes to where the person was before it.
    chat.page.go_back()
    assert not chat.page.url.startswith(host_site.host_url + "/?")


def test_the_panel_works_from_the_keyboard(embedded):
    chat = embedded()
    page = chat.page
    page.keyboard.press("Tab")
    expect(page.locator(".host-button")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(".launcher")).to_be_focused()
    page.keyboard.press("Enter")
    page.locator("#send-button:not([disabled])").wait_for()
    expect(page.locator("#message")).to_be_focused()

    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    chat.wait_for_reply()
    assert chat.user_texts() == ["hello"]

    # Every control of the panel is reached with Tab, in reading order.
    page.locator("#close-button").focus()
    for name in ["In crisis?", "Delete conversation", "Quick exit"]:
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name=name)).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # In crisis?
    expect(page.locator("#contacts")).to_be_visible()
    page.keyboard.press("Escape")  # closes the contacts, not the panel
    expect(page.locator("#contacts")).to_be_hidden()
    expect(page.locator("#panel")).to_be_visible()

    page.keyboard.press("Escape")
    expect(page.locator("#panel")).to_be_hidden()
    expect(page.locator(".launcher")).to_be_focused()


def test_on_a_phone_the_panel_fills_the_screen_with_nothing_sideways(embedded):
    chat = embedded(width=360)
    open_panel(chat)
    chat.say("she blocked me everywhere")
    page = chat.page
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.locator("#panel").bounding_box()
    assert box["width"] == 360 and box["x"] == 0
    for control in ["#close-button", "#crisis-button", "#exit-button", "#message", "#send-button"]:
        expect(page.locator(control)).to_be_in_viewport()
    page.locator("#close-button").click()
    expect(page.locator(".launcher")).to_be_visible()
