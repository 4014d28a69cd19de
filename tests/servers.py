"""Real servers for the end-to-end and browser tests: content, actions, Rasa and the web page.

They are started once per test session on free ports, with their own SQLite tracker store in
a temporary folder; their logs are kept there and printed when a server fails to start.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from ember.core.clock import TEST_CLOCK_VARIABLE
from ember.core.origins import EMBED_ORIGINS_VARIABLE
from tools import local_https, serve
from tools.serve import free_port

TOKEN = "e2e-test-token"
STUDIO_USER, STUDIO_PASSWORD = "reviewer", "studio-test-password"


@dataclass
class Ember:
    rasa_port: int
    action_port: int
    web_port: int
    workdir: Path
    rasa: serve.Server
    actions: serve.Server
    content: serve.Server
    web: serve.Server | None = None
    # The tests' own host page embedding the panel (tests/browser), and nginx over HTTPS.
    host_port: int = 0
    https_port: int = 0
    https: list[serve.Server] | None = None

    @property
    def db(self) -> Path:
        return self.workdir / "ember.db"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def page_url(self) -> str:
        return f"http://localhost:{self.web_port}"

    @property
    def origins(self) -> list[str]:
        return [self.page_url, f"http://127.0.0.1:{self.web_port}", *self.https_origins]

    @property
    def https_url(self) -> str:
        return f"https://localhost:{self.https_port}"

    @property
    def https_origins(self) -> list[str]:
        return local_https.https_origins(self.https_port)

    @property
    def host_url(self) -> str:
        """The embedding site, listed in EMBER_EMBED_ORIGINS."""
        return f"http://127.0.0.1:{self.host_port}"

    @property
    def unlisted_host_url(self) -> str:
        """The same host page under a name that is not listed."""
        return f"http://localhost:{self.host_port}"

    @property
    def exit_url(self) -> str:
        return f"{self.host_url}/neutral"

    def _with_embedding(self, server: serve.Server) -> serve.Server:
        server.env[EMBED_ORIGINS_VARIABLE] = self.host_url
        if server.name == "web page":
            server.env["EMBER_EXIT_URL"] = self.exit_url  # the tests' own neutral page
        return server

    def say(self, sender: str, message: str, metadata: dict | None = None) -> list[dict]:
        payload = {"sender": sender, "message": message}
        if metadata:
            payload["metadata"] = metadata
        # As another server would: with the API token, any safe id is taken, so the tests
        # can name their conversations (tests/e2e/test_bad_input.py checks the UUID4 rule).
        response = requests.post(
            f"{self.base_url}/webhooks/rest/webhook",
            json=payload,
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        )
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

    def start_web(self) -> None:
        """The web page, started the first time a test needs it."""
        if self.web is None:
            self.web = start(
                self._with_embedding(
                    serve.web_server(
                        self.web_port, self.base_url, token=TOKEN, log_path=self.workdir / "web.log"
                    )
                )
            )

    def start_https(self, certificate: local_https.Certificate) -> None:
        """nginx with deploy/'s rules over HTTPS, in front of a web service of its own."""
        if self.https is None:
            web_port = free_port()
            web = local_https.same_origin_web_server(
                web_port, self.base_url, token=TOKEN, log_path=self.workdir / "web-https.log"
            )
            self.https = [start(self._with_embedding(web))]
            folder = self.workdir / "nginx"
            folder.mkdir(exist_ok=True)
            nginx = local_https.nginx_server(
                folder, self.https_port, self.rasa_port, web_port, certificate
            )
            self.https.append(start(nginx))

    def stop(self) -> None:
        for server in (*(self.https or []), self.web, self.rasa, self.actions, self.content):
            if server:
                server.stop()

    def _action_server(self) -> serve.Server:
        server = serve.action_server(
            self.action_port,
            log_path=self.workdir / "actions.log",
            content_url=self.content.ready_url.removesuffix("/health"),
        )
        # Lets the tests send a message's time as metadata, to simulate days (ember/core/clock.py).
        server.env[TEST_CLOCK_VARIABLE] = "1"
        return server

    def _rasa_server(self) -> serve.Server:
        return self._with_embedding(
            serve.rasa_server(
                port=self.rasa_port,
                endpoints=self.workdir / "endpoints.yml",
                token=TOKEN,
                origins=self.origins,
                log_path=self.workdir / "rasa.log",
            )
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


def start_ember(workdir: Path) -> Ember:
    if not serve.DEFAULT_MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does it first)")
    action_port, rasa_port, web_port = free_port(), free_port(), free_port()
    serve.local_endpoints(workdir, action_port)
    content = start(serve.content_server(free_port(), log_path=workdir / "content.log"))
    instance = Ember(
        rasa_port,
        action_port,
        web_port,
        workdir,
        rasa=None,
        actions=None,
        content=content,
        host_port=free_port(),
        https_port=free_port(),
    )
    instance.start_actions()
    instance.rasa = start(instance._rasa_server())
    return instance


def studio_server(project: Path, endpoints: Path, state: Path, log_path: Path) -> serve.Server:
    """The review studio on a free port over the tracker store of `endpoints`, writing into
    `project` (a copy: never the repository's data/), with a known password."""
    port = free_port()
    command = [sys.executable, "-m", "ember.services.studio", "--port", str(port)]
    command += ["--endpoints", str(endpoints), "--project", str(project), "--state", str(state)]
    return serve.Server(
        "studio",
        [*command, "--model", str(serve.DEFAULT_MODEL)],
        f"http://{STUDIO_USER}:{STUDIO_PASSWORD}@127.0.0.1:{port}/health",
        env={"EMBER_STUDIO_TOKEN": STUDIO_PASSWORD},
        log_path=log_path,
    )
