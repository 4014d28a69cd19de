"""Starts Ember's servers, waits until each answers, and stops them all cleanly.

`make run` uses it to start everything; the end-to-end tests use the same functions so
they exercise exactly what a person gets.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from ember.core.origins import ORIGINS_VARIABLE, parse_origins

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_MODEL = PROJECT_ROOT / "models" / "ember.tar.gz"
TOKEN_FILE = PROJECT_ROOT / "var" / "api_token"


def free_port() -> int:
    """A port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api_token() -> str:
    """EMBER_API_TOKEN, else a secret generated once and kept in var/ (outside git)."""
    token = os.environ.get("EMBER_API_TOKEN")
    if token:
        return token
    if TOKEN_FILE.exists():
        return TOKEN_FILE.read_text().strip()
    TOKEN_FILE.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    TOKEN_FILE.touch(mode=0o600)
    TOKEN_FILE.write_text(token + "\n")
    return token


@dataclass
class Server:
    name: str
    command: list[str]
    ready_url: str
    env: dict[str, str] = field(default_factory=dict)
    log_path: Path | None = None
    process: subprocess.Popen | None = None
    # A certificate file to trust for ready_url (tools/local_https.py's own, self-signed).
    verify: bool | str = True

    def start(self) -> Server:
        output = open(self.log_path, "ab") if self.log_path else None
        self.process = subprocess.Popen(
            self.command,
            cwd=PROJECT_ROOT,
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", **self.env},
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
        )
        return self

    def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.process.returncode}")
            try:
                if requests.get(self.ready_url, timeout=2, verify=self.verify).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{self.name} did not answer at {self.ready_url} in {timeout:.0f}s")

    def stop(self, timeout: float = 20.0) -> None:
        if not self.process or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def content_server(
    port: int = 5056, log_path: Path | None = None, content: Path | None = None
) -> Server:
    command = [sys.executable, "-m", "ember.services.content", "--port", str(port)]
    if content:
        command += ["--content", str(content)]
    return Server(
        name="content service",
        command=command,
        ready_url=f"http://127.0.0.1:{port}/health",
        log_path=log_path,
    )


def action_server(
    port: int = 5055, log_path: Path | None = None, content_url: str | None = None
) -> Server:
    env = {"SANIC_HOST": "127.0.0.1"}
    if content_url:
        env["EMBER_CONTENT_URL"] = content_url
    return Server(
        name="action server",
        command=[str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "-p", str(port)],
        ready_url=f"http://127.0.0.1:{port}/health",
        env=env,
        log_path=log_path,
    )


def web_origins(web_port: int = 8000) -> list[str]:
    """The web page's origins: EMBER_WEB_ORIGINS, else localhost and 127.0.0.1 on its port."""
    configured = os.environ.get(ORIGINS_VARIABLE)
    if configured:
        return parse_origins(configured)  # the channels read the same variable the same way
    return [f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}"]


def local_endpoints(folder: Path, action_port: int) -> Path:
    """An endpoints file like endpoints.yml, with its SQLite files in `folder`.

    For the benchmark and the tests, which run Ember beside a `make run` on other ports.
    """
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        "tracker_store:\n  type: ember.server.stores.tracker.EmberSQLTrackerStore\n"
        f"  dialect: sqlite\n  db: {folder / 'ember.db'}\n"
        f"lock_store:\n  type: ember.server.stores.lock.EmberSQLiteLockStore\n"
        f"  db: {folder / 'locks.db'}\n"
    )
    return endpoints


def rasa_workers() -> int:
    """SANIC_WORKERS, else one Rasa worker per core, at most two.

    Rasa handles a message on one event loop, so one process uses one core; the second
    worker nearly doubles the messages per second on two cores (docs/performance.md). Each
    worker holds its own copy of the model (about 350 MB), hence the cap. Rasa runs more than
    one only with a lock store that workers share (endpoints.yml has one).
    """
    configured = os.environ.get("SANIC_WORKERS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return min(2, os.cpu_count() or 1)


def rasa_server(
    port: int = 5005,
    model: Path = DEFAULT_MODEL,
    endpoints: Path = PROJECT_ROOT / "endpoints.yml",
    token: str | None = None,
    interface: str = "127.0.0.1",
    origins: list[str] | None = None,
    log_path: Path | None = None,
) -> Server:
    # ember.server.channels.socketio and Rasa's --cors accept only the page's origins.
    origins = origins or web_origins()
    return Server(
        name="Rasa server",
        command=[
            sys.executable,
            "-m",
            "ember.server",
            "run",
            "-m",
            str(model),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(PROJECT_ROOT / "credentials.yml"),
            "--enable-api",
            "--auth-token",
            token or api_token(),
            "--cors",
            *origins,
            "-i",
            interface,
            "-p",
            str(port),
        ],
        ready_url=f"http://127.0.0.1:{port}/",
        env={ORIGINS_VARIABLE: " ".join(origins), "SANIC_WORKERS": str(rasa_workers())},
        log_path=log_path,
    )


def web_server(
    port: int = 8000,
    rasa_url: str = "http://127.0.0.1:5005",
    token: str | None = None,
    log_path: Path | None = None,
) -> Server:
    return Server(
        name="web page",
        command=[
            sys.executable,
            "-m",
            "ember.services.web",
            "--port",
            str(port),
            "--rasa-url",
            rasa_url,
        ],
        ready_url=f"http://127.0.0.1:{port}/health",
        # The token stays out of the web server's command line (Rasa's own `--auth-token`
        # does show in `ps`); the page never sees it.
        env={"EMBER_API_TOKEN": token or api_token()},
        log_path=log_path,
    )


def missing_variables(endpoints: Path) -> list[str]:
    """The `${VAR}`s an endpoints file uses that the environment does not set.

    Rasa would stop at the first one with a traceback; this names them all at once.
    """
    used = re.findall(r"\$\{(\w+)\}", re.sub(r"#.*", "", endpoints.read_text(encoding="utf-8")))
    return sorted({name for name in used if name not in os.environ})


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Start Ember's content, action, Rasa and web servers."
    )
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument(
        "--rasa-port", type=int, default=int(os.environ.get("EMBER_RASA_PORT", 5005))
    )
    parser.add_argument("--shell", action="store_true", help="chat in the Rasa shell instead")
    parser.add_argument(
        "--endpoints",
        type=Path,
        default=PROJECT_ROOT / "endpoints.yml",
        help="endpoints.yml (SQLite), or endpoints.prod.yml (PostgreSQL and Redis, "
        "configured by environment variables: see docs/deployment.md)",
    )
    args = parser.parse_args(argv)

    missing = missing_variables(args.endpoints)
    if missing:
        print(
            f"{args.endpoints} needs these environment variables: {', '.join(missing)} "
            "(see docs/deployment.md).",
            file=sys.stderr,
        )
        return 2
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)
    content_port = int(os.environ.get("EMBER_CONTENT_PORT", 5056))
    content_url = os.environ.get("EMBER_CONTENT_URL", f"http://127.0.0.1:{content_port}")
    web_port = int(os.environ.get("EMBER_WEB_PORT", 8000))
    servers = [
        content_server(content_port),
        action_server(content_url=content_url),  # endpoints.yml: 5055
    ]
    if not args.shell:
        rasa_url = f"http://127.0.0.1:{args.rasa_port}"
        servers.append(
            rasa_server(args.rasa_port, args.model, args.endpoints, origins=web_origins(web_port))
        )
        servers.append(web_server(web_port, rasa_url))

    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, _interrupt)
    try:
        for server in servers:
            server.start().wait_ready()
            print(f"✓ {server.name} is up ({server.ready_url})", flush=True)
        if args.shell:
            return subprocess.call(
                [
                    sys.executable,
                    "-m",
                    "ember.server",
                    "shell",
                    "-m",
                    str(args.model),
                    "--endpoints",
                    str(args.endpoints),
                    "-i",
                    "127.0.0.1",
                ],
                cwd=PROJECT_ROOT,
            )
        print(
            f"\nEmber is running.\n"
            f"  Chat:     http://localhost:{web_port}/\n"
            f"  REST:     POST http://127.0.0.1:{args.rasa_port}/webhooks/rest/webhook\n"
            f'            {{"sender": "me", "message": "hi"}} (Content-Type: application/json)\n'
            f"  socketio: http://127.0.0.1:{args.rasa_port}/socket.io\n"
            f"  HTTP API: http://127.0.0.1:{args.rasa_port}/ (token in var/api_token)\n"
            f"  Content:  http://127.0.0.1:{content_port}/v1/content\n"
            f"  Chat in a terminal instead: make shell\n"
            f"Press Ctrl-C to stop.\n",
            flush=True,
        )
        while all(server.process.poll() is None for server in servers):
            time.sleep(1)
        print("A server stopped unexpectedly; stopping the others.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping Ember…", flush=True)
        return 0
    finally:
        for server in reversed(servers):
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
