"""Headless Chromium (Debian's, driven by Playwright) against the real servers and web page.

Each test gets a fresh browser context, so a fresh conversation id; a failing test leaves a
screenshot of the page in results/browser/.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.helpers import unavailable
from tests.servers import Ember
from tools import local_https

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
def certificate(tmp_path_factory) -> local_https.Certificate:
    """The local HTTPS run's own certificate, made for this session."""
    return local_https.make_certificate(tmp_path_factory.mktemp("certificate"))


@pytest.fixture(scope="session")
def browser(certificate) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make test-browser`, which installs it")
    # Chromium trusts the session's certificate (its key, exactly) and no other bad one.
    trust = f"--ignore-certificate-errors-spki-list={certificate.spki_sha256}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[trust])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def web(ember: Ember) -> Ember:
    ember.start_web()
    return ember


@pytest.fixture(scope="session")
def https(web: Ember, certificate) -> Ember:
    """nginx over HTTPS with deploy/'s rules, in front of the same Rasa server."""
    problem = local_https.nginx_available()
    if problem:
        unavailable(problem)
    web.start_https(certificate)
    return web


HOST_CSS = """
body { font: 15px Georgia, serif; color: #333; }
.host-button { padding: 4px 6px; }
"""
# What careless or hostile site CSS does: none of it may reach into the panel.
AGGRESSIVE_CSS = """
* { all: unset !important; }
div { display: none !important; }
button, textarea, ol, li, p, section, form { color: red !important; font-size: 40px !important; }
ember-chat { display: none !important; opacity: 0 !important; }
:root { --teal: red; --paper: black; }
"""


class HostPage(BaseHTTPRequestHandler):
    """A page of another site that embeds Ember, under a strict Content-Security-Policy.

    GET /?ember=<Ember's origin>&socket=<socket origin>&css=aggressive&embed=0&<data-*>=...
    GET /host.css, /aggressive.css, and /neutral (quick exit's destination).
    """

    def log_message(self, *_) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        if url.path in ("/host.css", "/aggressive.css"):
            self._send("text/css", HOST_CSS if url.path == "/host.css" else AGGRESSIVE_CSS)
        elif url.path == "/neutral":
            self._send("text/html", "<!doctype html><title>Weather</title><p>Sunny spells.</p>")
        elif url.path == "/":
            self._host_page(query)
        else:
            self.send_error(404)

    def _host_page(self, query: dict[str, str]) -> None:
        ember = query.pop("ember")
        socket = query.pop("socket", ember)
        websocket = socket.replace("http", "ws", 1)
        sheets = ["/host.css"] + (["/aggressive.css"] if query.pop("css", "") else [])
        embed = query.pop("embed", "1") == "1"
        data = " ".join(f'data-{name}="{value}"' for name, value in query.items())
        script = f'<script src="{ember}/embed.js" {data} defer></script>' if embed else ""
        links = "".join(f'<link rel="stylesheet" href="{sheet}">' for sheet in sheets)
        self._send(
            "text/html",
            f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>A support community</title>{links}</head><body>
<div class="host-content"><h1>A support community</h1>
<p>Our own page, with our own styles.</p>
<button type="button" class="host-button">Our own button</button></div>
{script}</body></html>""",
            # What docs/embedding.md tells a host to allow, and nothing more.
            policy=f"default-src 'none'; script-src {ember}; style-src 'self' {ember}; "
            f"connect-src {ember} {socket} {websocket}; img-src 'self'; base-uri 'none'",
        )

    def _send(self, kind: str, body: str, policy: str | None = None) -> None:
        payload = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        if policy:
            self.send_header("Content-Security-Policy", policy)
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture(scope="session")
def host_site(web: Ember) -> Iterator[Ember]:
    """The tests' own host site, on its own port (two origins: 127.0.0.1 listed, localhost not)."""
    server = ThreadingHTTPServer(("127.0.0.1", web.host_port), HostPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield web
    server.shutdown()
    server.server_close()


class Chat:
    """The widget as a person uses it, and what the browser saw while they did."""

    def __init__(self, page: Page, url: str, store: str = "ember") -> None:
        self.page = page
        self.url = url
        self.store = store
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
        return self.page.evaluate(f"JSON.parse(localStorage.getItem('{self.store}')).conversation")


@pytest.fixture
def new_chat(browser: Browser, web: Ember, request):
    """Opens the page in a new browser context (locale en-US and desktop width unless given)."""
    contexts = []

    def open_chat(
        locale: str = "en-US",
        conversation: str | None = None,
        width: int = 1100,
        url: str | None = None,
        store: str = "ember",
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
        return Chat(context.new_page(), url or web.page_url, store)

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
