"""The web chat widget in a real browser, against the real content, action, Rasa and web servers."""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

XSS_IMAGE = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>alert(2)</script>"


def paragraphs(domain, response, **slots) -> list[str]:
    """What the widget shows of a response: each paragraph of each variation (with the slots)."""
    found = []
    for variation in domain["responses"][response]:
        conditions = {c["name"]: c["value"] for c in variation.get("condition", [])}
        if all(slots.get(name) == value for name, value in conditions.items()):
            found += variation["text"].strip().split("\n\n")
    return found


def contacts_text(domain, country) -> str:
    variation = next(
        v
        for v in domain["responses"]["utter_support_contacts"]
        if {"type": "slot", "name": "country", "value": country} in v.get("condition", [])
    )
    return variation["text"]


def test_hi_gets_the_greeting_with_the_ai_notice(new_chat, domain, web):
    chat = new_chat(locale="en-GB").open()
    expect(chat.page.locator(".ai-note")).to_contain_text("not a therapist")
    chat.say("hi")

    said = chat.bot_texts()
    assert set(said) & set(paragraphs(domain, "utter_ai_notice"))
    assert set(said) & set(paragraphs(domain, "utter_greet"))
    assert chat.user_texts() == ["hi"]
    # Every message has a time, and the log is a live region for screen readers.
    assert chat.page.locator("#log .msg time").count() == len(said) + 1
    assert chat.page.locator("#log").get_attribute("role") == "log"
    # The browser's region is only a guess: it is never sent without the person choosing it.
    assert web.tracker(chat.conversation_id())["slots"]["country"] is None


def test_a_quick_reply_sends_its_payload_shows_its_title_and_the_flow_goes_on(new_chat, domain):
    chat = new_chat().open()
    chat.say("she blocked me everywhere")
    expect(chat.page.locator(".quick-replies button", has_text="Acceptance")).to_be_visible()

    chat.click_reply("Acceptance")

    assert chat.user_texts()[-1] == "Acceptance"
    first_question = paragraphs(
        domain, "utter_ask_acceptance_form_hardest_part", situation="they_blocked_me"
    )
    assert set(chat.bot_texts()) & set(first_question)
    # Buttons of an earlier message cannot be clicked again.
    expect(chat.page.locator(".quick-replies button", has_text="Acceptance")).to_have_count(0)


def test_reloading_restores_the_conversation_from_the_server(new_chat, web):
    chat = new_chat().open()
    chat.say("he stopped replying three weeks ago")
    chat.click_reply("Boundaries")
    said_before = chat.bot_texts()
    times_before = chat.page.locator("#log time").all_inner_texts()

    chat.page.reload()
    chat.page.locator(".msg.bot").first.wait_for()
    assert chat.user_texts() == ["he stopped replying three weeks ago", "Boundaries"]
    assert chat.bot_texts() == said_before
    assert chat.page.locator("#log time").all_inner_texts() == times_before

    # The messages are not kept in the browser: another browser with only the id sees them too.
    elsewhere = new_chat(conversation=chat.conversation_id()).open()
    elsewhere.page.locator(".msg.bot").first.wait_for()
    assert elsewhere.user_texts() == ["he stopped replying three weeks ago", "Boundaries"]
    assert elsewhere.bot_texts() == chat.bot_texts()


def test_html_in_messages_is_shown_as_text_and_never_run(new_chat, domain):
    chat = new_chat().open()
    # The safety plan says the person's own answers back, so HTML reaches Ember's messages too.
    chat.say("/request_safety_plan")
    answers = [XSS_IMAGE, XSS_SCRIPT, "the gym", "my sister", "my gp", "go to my sister's place"]
    for answer in answers:
        chat.say(answer)

    def check():
        assert chat.user_texts()[-6:] == answers
        summary = "\n".join(chat.bot_texts())
        assert f"Warning signs: {XSS_IMAGE}" in summary
        assert f"Things I can do on my own: {XSS_SCRIPT}" in summary
        assert chat.page.locator("#log img, #log script").count() == 0

    check()
    chat.page.reload()
    chat.page.locator(".msg.bot").first.wait_for()
    check()
    assert chat.dialogs == []


def test_the_crisis_link_shows_the_contacts_for_the_country_without_the_chat(new_chat, domain):
    chat = new_chat(locale="en-GB")
    # Nothing reaches Rasa: the contacts must not depend on the chat (or the action server).
    chat.page.route(re.compile(r".*/socket\.io/.*"), lambda route: route.abort())
    chat.page.goto(chat.url)

    chat.page.get_by_role("button", name="In crisis?").click()
    panel = chat.page.locator("#contacts")
    expect(panel).to_be_visible()
    # Not chosen yet: the directories for anywhere, and the browser's region as one offer.
    expect(chat.page.locator("#contacts-text")).to_contain_text("findahelpline.com")
    chat.page.get_by_role("button", name="I'm in United Kingdom").click()
    expect(chat.page.locator("#contacts-text")).to_have_text(
        contacts_text(domain, "GB"), use_inner_text=True
    )
    expect(chat.page.get_by_role("button", name="I'm in United Kingdom")).to_be_hidden()

    chat.page.locator("#country-select").select_option("IE")
    expect(chat.page.locator("#contacts-text")).to_have_text(
        contacts_text(domain, "IE"), use_inner_text=True
    )

    chat.page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(chat.page.get_by_role("button", name="In crisis?")).to_be_focused()


def test_deleting_the_conversation_erases_it_and_starts_afresh(new_chat, domain, web):
    chat = new_chat().open()
    chat.say("i keep checking his instagram")
    old_id = chat.conversation_id()

    chat.page.get_by_role("button", name="Delete conversation").click()
    chat.wait_for_reply()
    assert set(chat.bot_texts()) & set(paragraphs(domain, "utter_confirm_delete"))
    chat.click_reply("Yes, delete it")

    expect(chat.page.locator("#status")).to_contain_text("erased")
    assert paragraphs(domain, "utter_data_deleted")[0] in chat.bot_texts()
    assert chat.conversation_id() != old_id
    with sqlite3.connect(web.db) as db:
        rows = db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (old_id,))
        assert rows.fetchone()[0] == 0

    chat.page.reload()
    chat.page.locator("#send-button:not([disabled])").wait_for()
    expect(chat.page.locator("#empty")).to_be_visible()
    expect(chat.page.locator("#log .msg")).to_have_count(0)


def test_the_widget_works_from_the_keyboard(new_chat):
    chat = new_chat().open()
    page = chat.page
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="In crisis?")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#contacts")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Delete conversation")).to_be_focused()

    message = page.locator("#message")
    message.focus()
    page.keyboard.type("hello")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("again")
    expect(message).to_have_value("hello\nagain")
    page.keyboard.press("Enter")
    chat.wait_for_reply()
    assert chat.user_texts() == ["hello\nagain"]
    expect(message).to_have_value("")
    expect(message).to_be_focused()

    # Quick replies come just before the message box, and a key press sends one.
    chat.say("he is with someone else now")
    page.keyboard.press("Shift+Tab")
    focused = page.evaluate("document.activeElement.closest('.quick-replies') !== null")
    assert focused
    title = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    chat.wait_for_reply()
    assert chat.user_texts()[-1] == title


def test_on_a_phone_screen_nothing_needs_sideways_scrolling(new_chat):
    chat = new_chat(width=360).open()
    chat.say("she blocked me everywhere")
    page = chat.page
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    for control in ["#crisis-button", "#delete-button", "#message", "#send-button"]:
        expect(page.locator(control)).to_be_in_viewport()
