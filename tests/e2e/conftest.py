"""Real servers for end-to-end tests: the action server and a Rasa server from the trained model.

They are started once per test session on free ports, with their own SQLite tracker store in
a temporary folder; their logs are kept there and printed when a server fails to start.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tools import serve
from tools.serve import free_port

TOKEN = "e2e-test-token"


@dataclass
class Ember:
    rasa_port: int
    action_port: int
    workdir: Path
    rasa: serve.Server
    actions: serve.Server
    content: serve.Server

    @property
    def db(self) -> Path:
        return self.workdir / "ember.db"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def say(self, sender: str, message: str, metadata: dict | None = None) -> list[dict]:
        payload = {"sender": sender, "message": message}
        if metadata:
            payload["metadata"] = metadata
        response = requests.post(f"{self.base_url}/webhooks/rest/webhook", json=payload, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def tracker(self, sender: str) -> dict:
        return tracker(self.base_url, sender, TOKEN)

    def restart_rasa(self) -> None:
        self.rasa.stop()
        self.rasa = start(self._rasa_server())

    def stop_actions(self) -> None:
        self.actions.stop()

    def start_actions(self) -> None:
        self.actions = start(self._action_server())

    def _action_server(self) -> serve.Server:
        return serve.action_server(
            self.action_port,
            log_path=self.workdir / "actions.log",
            content_url=self.content.ready_url.removesuffix("/health"),
        )

    def _rasa_server(self) -> serve.Server:
        return serve.rasa_server(
            port=self.rasa_port,
            endpoints=self.workdir / "endpoints.yml",
            token=TOKEN,
            log_path=self.workdir / "rasa.log",
        )


def tracker(base_url: str, sender: str, token: str) -> dict:
    """A conversation as Rasa's HTTP API gives it, with the API token."""
    response = requests.get(
        f"{base_url}/conversations/{sender}/tracker", params={"token": token}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()


def start(server: serve.Server) -> serve.Server:
    return ready(server.start())


def ready(server: serve.Server) -> serve.Server:
    """Waits for a started server; fails the test with the end of its log if it never answers."""
    try:
        server.wait_ready()
    except (RuntimeError, TimeoutError) as error:
        server.stop()
        log = server.log_path.read_text(errors="replace")[-4000:] if server.log_path else ""
        pytest.fail(f"{error}\n--- last lines of its log ---\n{log}")
    return server


@pytest.fixture(scope="session")
def ember(tmp_path_factory) -> Ember:
    if not serve.DEFAULT_MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does it first)")
    workdir = tmp_path_factory.mktemp("ember")
    action_port, rasa_port = free_port(), free_port()
    (workdir / "endpoints.yml").write_text(
        f"""
action_endpoint:
  url: "http://127.0.0.1:{action_port}/webhook"
tracker_store:
  type: ember.tracker_store.EmberSQLTrackerStore
  dialect: sqlite
  db: {workdir / "ember.db"}
"""
    )
    content = start(serve.content_server(free_port(), log_path=workdir / "content.log"))
    instance = Ember(rasa_port, action_port, workdir, rasa=None, actions=None, content=content)
    instance.start_actions()
    instance.rasa = start(instance._rasa_server())
    yield instance
    instance.rasa.stop()
    instance.actions.stop()
    instance.content.stop()


def texts(replies: list[dict]) -> str:
    return "\n\n".join(reply.get("text", "") for reply in replies)


def buttons(replies: list[dict]) -> list[str]:
    return [button["payload"] for reply in replies for button in reply.get("buttons", [])]


def carries_contacts(reply: str) -> bool:
    """True when a reply holds crisis contacts: the directories shown when no country is known."""
    directories = ("findahelpline.com", "befrienders.org")
    return any(directory in reply for directory in directories)
