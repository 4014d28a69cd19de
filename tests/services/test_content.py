"""The content service over real HTTP on a real port."""

import time

import pytest
import requests

from tests.content_fixtures import write_item
from tools import serve
from tools.serve import free_port


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("content")
    write_item(folder)
    write_item(
        folder,
        id="blocked-letter",
        kind="journal_prompt",
        steps=[],
        tags={"situations": ["they_blocked_me"], "feelings": ["any"], "flows": ["acceptance"]},
    )
    port = free_port()
    server = serve.content_server(port, log_path=folder.parent / "content.log", content=folder)
    server.start().wait_ready(60)
    yield f"http://127.0.0.1:{port}", folder
    server.stop()


def get(service, path, **params):
    return requests.get(f"{service[0]}{path}", params=params, timeout=5)


def test_health(service):
    assert get(service, "/health").json() == {"status": "ok", "items": 2}


def test_content_is_filtered_and_excludes_what_was_seen(service):
    body = get(service, "/v1/content", kind="journal_prompt", situation="they_blocked_me").json()
    assert [item["id"] for item in body["items"]] == ["blocked-letter"]
    body = get(service, "/v1/content", flow="grounding", exclude="box-breathing").json()
    assert body == {"items": [], "count": 0}
    body = get(service, "/v1/content", limit="1").json()
    assert body["count"] == 1


def test_one_item_and_an_unknown_id(service):
    item = get(service, "/v1/content/box-breathing").json()
    assert item["steps"][0] == "Breathe in for four."
    response = get(service, "/v1/content/nothing-here")
    assert response.status_code == 404
    assert "nothing-here" in response.json()["error"]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"kind": "video"}, "kind must be one of"),
        ({"situation": "ghosted"}, "situation must be one of"),
        ({"limit": "0"}, "limit must be a whole number"),
        ({"limit": "many"}, "limit must be a whole number"),
        ({"colour": "blue"}, "unknown parameter"),
    ],
)
def test_bad_parameters_get_a_400_with_a_clear_message(service, params, message):
    response = get(service, "/v1/content", **params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_the_folder_is_reloaded_when_it_changes_and_bad_edits_are_refused(service):
    url, folder = service
    write_item(folder, id="new-card", kind="card", steps=[])
    deadline = time.monotonic() + 10
    while get(service, "/health").json()["items"] != 3 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert get(service, "/v1/content/new-card").status_code == 200

    (folder / "card" / "broken.yml").write_text("id: [unclosed")
    time.sleep(1.5)
    assert get(service, "/health").json()["items"] == 3
    (folder / "card" / "broken.yml").unlink()
