"""The web page's server: what the history shows, and the server itself over real HTTP.

With the real Rasa server behind it: tests/e2e/test_web.py and tests/browser/.
"""

import uuid

import pytest
import requests

from ember.services.web import conversation_messages, load_contacts, socket_url
from tools import serve
from tools.serve import free_port


def test_history_shows_texts_paragraphs_buttons_and_labels_only():
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": 1.0},
        {
            "event": "user",
            "text": "hi",
            "timestamp": 2.0,
            "parse_data": {"intent": {}},
            "metadata": {"country": "GB"},
        },
        {"event": "slot", "name": "country", "value": "GB", "timestamp": 2.1},
        {
            "event": "bot",
            "text": "First part.\n\nSecond part\nsame paragraph.",
            "timestamp": 3.0,
            "data": {"buttons": [{"title": "Yes", "payload": "/affirm"}]},
        },
        {"event": "user", "text": "/affirm", "timestamp": 4.0, "metadata": {"label": "Yes"}},
        {"event": "user", "text": "/deny", "timestamp": 5.0},
        {"event": "bot", "text": None, "timestamp": 6.0, "data": {"custom": {"x": 1}}},
    ]
    assert conversation_messages(events) == [
        {"from": "user", "text": "hi", "time": 2.0},
        {"from": "bot", "text": "First part.", "time": 3.0, "buttons": []},
        {
            "from": "bot",
            "text": "Second part\nsame paragraph.",
            "time": 3.0,
            "buttons": [{"title": "Yes", "payload": "/affirm"}],
        },
        {"from": "user", "text": "Yes", "time": 4.0},
        {"from": "user", "text": "/deny", "time": 5.0},
    ]


def test_the_pages_own_welcome_back_request_is_not_shown_as_said_by_the_person():
    events = [
        {"event": "user", "text": "hi", "timestamp": 1.0, "parse_data": {"intent": {}}},
        {
            "event": "user",
            "text": "/chat_reopened",
            "timestamp": 30_000.0,
            "parse_data": {"intent": {"name": "chat_reopened"}},
        },
        {"event": "bot", "text": "Welcome back.", "timestamp": 30_000.5},
    ]
    assert [m["text"] for m in conversation_messages(events)] == ["hi", "Welcome back."]


def test_the_page_and_the_server_agree_on_when_a_visit_begins():
    from ember.core.visits import REOPENED_INTENT, VISIT_GAP_HOURS
    from tests.helpers import PROJECT_ROOT

    page = (PROJECT_ROOT / "web" / "chat.js").read_text()
    assert f"const VISIT_GAP_MS = {VISIT_GAP_HOURS} * 60 * 60 * 1000;" in page
    assert f'const REOPENED_PAYLOAD = "/{REOPENED_INTENT}";' in page


def test_contacts_come_from_the_rendered_domain_responses(domain):
    by_country, default = load_contacts()
    variations = domain["responses"]["utter_support_contacts"]
    assert set(by_country) == {c["value"] for v in variations for c in v.get("condition", [])}
    assert default in [v["text"] for v in variations if not v.get("condition")]


@pytest.mark.parametrize(
    "host, expected",
    [
        ("localhost:8000", "http://localhost:5005"),
        ("127.0.0.1:8123", "http://127.0.0.1:5005"),
        ("[::1]:8000", "http://[::1]:5005"),
    ],
)
def test_the_socket_is_on_the_host_the_person_used(host, expected):
    assert socket_url(host, "http://127.0.0.1:5005") == expected


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """The web server with no Rasa server behind it."""
    port = free_port()
    server = serve.web_server(
        port,
        f"http://127.0.0.1:{free_port()}",
        token="unit-test-token",
        log_path=tmp_path_factory.mktemp("web") / "web.log",
    )
    server.start().wait_ready(60)
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_the_page_and_its_assets_are_served_locally_with_a_strict_policy(page):
    answer = requests.get(page, timeout=5)
    assert answer.status_code == 200
    assert '<script src="/chat.js"' in answer.text
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "connect-src 'self' http://127.0.0.1:" in policy
    for asset in ["/chat.js", "/chat.css", "/favicon.svg", "/vendor/socket.io.min.js"]:
        assert requests.get(page + asset, timeout=5).status_code == 200, asset


@pytest.mark.parametrize(
    "path",
    [
        "/package.json",
        "/node_modules/socket.io-client/package.json",
        "/web/index.html",
        "/../pyproject.toml",
    ],
)
def test_nothing_else_is_served(page, path):
    assert requests.get(page + path, timeout=5).status_code == 404


@pytest.mark.parametrize("conversation", ["default", "1", "DEFAULT", uuid.uuid4().hex])
def test_history_needs_a_uuid4(page, conversation):
    answer = requests.get(f"{page}/api/history/{conversation}", timeout=5)
    assert answer.status_code == 400
    assert "UUID4" in answer.json()["error"]


def test_history_without_rasa_is_a_kind_answer(page):
    answer = requests.get(f"{page}/api/history/{uuid.uuid4()}", timeout=15)
    assert answer.status_code == 503
    assert "not reachable right now" in answer.json()["error"]


def test_contacts_for_a_country_and_for_anywhere_else(page, domain):
    by_country, default = load_contacts()
    answer = requests.get(f"{page}/api/contacts", params={"country": "gb"}, timeout=5).json()
    assert answer["country"] == "GB"
    assert answer["text"] == by_country["GB"]
    assert {"code": "GB", "name": "United Kingdom"} in answer["countries"]
    for unknown in ["ZZ", "<b>", ""]:
        answer = requests.get(f"{page}/api/contacts", params={"country": unknown}, timeout=5)
        assert answer.json()["country"] is None
        assert answer.json()["text"] == default


HOST_SITE = "https://community.example"


@pytest.fixture(scope="module")
def proxied_page(tmp_path_factory):
    """The web server as nginx fronts it, with one site allowed to embed the panel."""
    port = free_port()
    server = serve.web_server(
        port,
        f"http://127.0.0.1:{free_port()}",
        token="unit-test-token",
        log_path=tmp_path_factory.mktemp("web") / "web.log",
    )
    server.env.update(
        {
            "EMBER_EMBED_ORIGINS": HOST_SITE,
            "EMBER_SAME_ORIGIN": "1",
            "EMBER_EXIT_URL": "https://weather.example/today",
        }
    )
    server.start().wait_ready(60)
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_embed_js_holds_the_socket_client_and_the_widget_in_one_scope(page):
    answer = requests.get(f"{page}/embed.js", timeout=5)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/javascript")
    script = answer.text
    assert script.startswith("(function () {") and script.rstrip().endswith("})();")
    assert "Socket.IO v4.8.4" in script
    assert "function startEmberChat(root, options)" in script
    assert "function mountEmber()" in script


def test_a_listed_site_may_read_the_endpoints_and_gets_cors_for_itself_only(proxied_page):
    for path in ["/config.json", "/api/contacts?country=GB"]:
        answer = requests.get(proxied_page + path, headers={"Origin": HOST_SITE}, timeout=5)
        assert answer.status_code == 200, path
        assert answer.headers["Access-Control-Allow-Origin"] == HOST_SITE
        assert "Origin" in answer.headers["Vary"]


@pytest.mark.parametrize(
    "origin", ["https://elsewhere.example", "http://community.example", HOST_SITE + ":8443"]
)
def test_any_other_site_is_refused_by_the_server(proxied_page, origin):
    for path in ["/config.json", "/api/contacts", f"/api/history/{uuid.uuid4()}"]:
        answer = requests.get(proxied_page + path, headers={"Origin": origin}, timeout=15)
        assert answer.status_code == 403, path
        assert "Access-Control-Allow-Origin" not in answer.headers
    # The script itself is public: a page that may not use it gets no chat from it.
    assert requests.get(f"{proxied_page}/embed.js", timeout=5).status_code == 200


def test_without_an_origin_the_endpoints_answer_as_before(page):
    # Same-origin GETs carry no Origin header; neither do curl or a server.
    answer = requests.get(f"{page}/config.json", timeout=5)
    assert answer.status_code == 200
    assert answer.json()["socketUrl"].startswith("http://127.0.0.1:")
    assert answer.json()["exitUrl"] is None  # web/chat.js's own neutral page
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_behind_nginx_the_socket_is_on_the_pages_own_origin(proxied_page):
    answer = requests.get(f"{proxied_page}/config.json", timeout=5)
    assert answer.json() == {"socketUrl": "", "exitUrl": "https://weather.example/today"}
    assert "connect-src 'self';" in answer.headers["Content-Security-Policy"]
