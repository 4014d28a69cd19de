"""Headless Chromium (Debian's, driven by Playwright) against the real servers and web page.

Each test gets a fresh browser context, so a fresh conversation id; a failing test leaves a
screenshot of the page in results/browser/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.servers import Ember

CHROMIUM = Path(os.environ.get("EMBER_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "results" / "browser"
# Generous for a loaded 2-core machine; a wait that runs out is a failure, never a pass.
TIMEOUT_MS = 30_000


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make test-browser`, which installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def web(ember: Ember) -> Ember:
    ember.start_web()
    return ember


class Chat:
    """The widget as a person uses it, and what the browser saw while they did."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.dialogs: list[str] = []
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self) -> Chat:
        self.page.goto(self.url)
        self.page.locator("#send-button:not([disabled])").wait_for()
        return self

    def wait_for_reply(self) -> None:
        self.page.locator("#typing").wait_for(state="hidden")

    def say(self, text: str) -> None:
        """Types into the message box and presses Enter, then waits for Ember's last message."""
        self.page.locator("#message").fill(text)
        self.page.locator("#message").press("Enter")
        self.wait_for_reply()

    def click_reply(self, title: str) -> None:
        exactly = re.compile(f"^{re.escape(title)}$")
        self.page.locator(".quick-replies button", has_text=exactly).click()
        self.wait_for_reply()

    def bot_texts(self) -> list[str]:
        return self.page.locator(".msg.bot .bubble").all_inner_texts()

    def user_texts(self) -> list[str]:
        return self.page.locator(".msg.user .bubble").all_inner_texts()

    def conversation_id(self) -> str:
        return self.page.evaluate("JSON.parse(localStorage.getItem('ember')).conversation")


@pytest.fixture
def new_chat(browser: Browser, web: Ember, request):
    """Opens the page in a new browser context (locale en-US and desktop width unless given)."""
    contexts = []

    def open_chat(
        locale: str = "en-US", conversation: str | None = None, width: int = 1100
    ) -> Chat:
        context = browser.new_context(
            locale=locale,
            viewport={"width": width, "height": 800},
            is_mobile=width < 600,
            has_touch=width < 600,
        )
        context.set_default_timeout(TIMEOUT_MS)
        if conversation:
            context.add_init_script(
                f"localStorage.setItem('ember', JSON.stringify({{conversation: '{conversation}'}}))"
            )
        contexts.append(context)
        return Chat(context.new_page(), web.page_url)

    yield open_chat
    report = getattr(request.node, "report_call", None)
    for number, context in enumerate(contexts):
        if report is not None and report.failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            for page in context.pages:
                page.screenshot(
                    path=SCREENSHOTS / f"{request.node.name}-{number}.png", full_page=True
                )
        context.close()
