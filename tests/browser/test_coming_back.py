"""Check-ins, the mood chart, the journal download and its erasure, in a real browser."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def check_in(chat, score_title: str, word: str | None) -> None:
    chat.say("check in")
    expect(chat.page.locator(".quick-replies button")).to_have_count(5)
    chat.click_reply(score_title)
    if word:
        chat.say(word)
    else:
        chat.click_reply("Skip")


def test_check_in_buttons_the_chart_the_journal_and_erasure(new_chat, web, tmp_path):
    chat = new_chat().open()
    chat.say("check in")
    titles = chat.page.locator(".quick-replies button").all_inner_texts()
    # Buttons with words, not only numbers.
    assert titles == ["1 · very low", "2 · low", "3 · okay", "4 · good", "5 · really good"]
    chat.click_reply("2 · low")
    chat.say("exhausted")
    chat.click_reply("Yes, remember")
    check_in(chat, "3 · okay", None)
    check_in(chat, "4 · good", "walked")

    chat.say("show my mood")
    chart = chat.page.locator(".mood-chart").last
    expect(chart.locator("svg circle")).to_have_count(3)
    assert chart.locator("svg").get_attribute("role") == "img"
    alternative = chart.locator(".mood-chart-text li").all_inner_texts()
    assert [re.sub(r"^\S+: ", "", line) for line in alternative] == [
        "2 (low), exhausted",
        "3 (okay)",
        "4 (good), walked",
    ]

    chat.page.get_by_role("button", name="Export journal").click()
    chat.wait_for_reply()
    with chat.page.expect_download() as download:
        chat.page.get_by_role("button", name="Download journal (Markdown)").last.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    markdown = saved.read_text(encoding="utf-8")
    assert saved.name.startswith("ember-journal-") and saved.suffix == ".md"
    assert markdown.startswith("# My Ember journal")
    assert "2 (low), exhausted" in markdown and "4 (good), walked" in markdown

    # The printable page shows the journal's lines as text.
    chat.page.evaluate("window.print = () => {}")
    chat.page.get_by_role("button", name="Printable page").last.click()
    expect(chat.page.locator(".journal-print")).to_contain_text("exhausted")

    old_id = chat.conversation_id()
    chat.page.get_by_role("button", name="Delete conversation").click()
    chat.wait_for_reply()
    chat.click_reply("Yes, delete it")
    expect(chat.page.locator("#status")).to_contain_text("erased")
    assert chat.conversation_id() != old_id
    with sqlite3.connect(web.db) as db:
        rows = db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (old_id,))
        assert rows.fetchone()[0] == 0
    chat.say("show my mood")
    assert any("no check-ins to show yet" in text for text in chat.bot_texts())


def test_opened_again_after_hours_the_chat_welcomes_the_person_back_unasked(new_chat):
    first = new_chat().open()
    first.say("hi")
    conversation = first.conversation_id()
    greeted = len(first.bot_texts())

    # Seven hours later by the browser's clock, the same conversation is opened again.
    later = new_chat(conversation=conversation)
    later.page.clock.set_fixed_time(datetime.now(timezone.utc) + timedelta(hours=7))
    later.open()
    welcome = later.page.locator(".msg.bot .bubble", has_text="Welcome back")
    expect(welcome).to_have_count(1)
    assert later.user_texts() == ["hi"], "the page's own request is never shown as said"
    assert len(later.bot_texts()) > greeted

    # Opened again soon after: the history comes back, and no second welcome.
    again = new_chat(conversation=conversation).open()
    expect(again.page.locator(".msg.bot .bubble", has_text="Welcome back")).to_have_count(1)
    assert again.user_texts() == ["hi"]
