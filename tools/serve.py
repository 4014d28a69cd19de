"""Starts Ember's servers, waits until each answers, and stops them all cleanly.

`make run` uses it to start everything under supervision (tools/supervision.py): a server
that crashes is restarted, each Rasa worker on its own, while the others go on answering.
The end-to-end tests use the same functions so they exercise exactly what a person gets.
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
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

import requests
import yaml

from ember.core.origins import ORIGINS_VARIABLE, parse_origins
from ember.core.project import SHARED_PORT_VARIABLE, TOKEN_VARIABLE
from ember.core.without_tensorflow import WITHOUT_TENSORFLOW_VARIABLE, runs_without_tensorflow
from tools.supervision import Supervisor

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
    return stored_secret(TOKEN_VARIABLE, TOKEN_FILE)


def stored_secret(variable: str, path: Path) -> str:
    """The environment variable if set, else a secret generated once and kept at `path`."""
    token = os.environ.get(variable)
    if token:
        return token
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(token + "\n")
    return token


@dataclass
class Server:
    name: str
    command: list[str]
    ready_url: str
    env: dict[str, str] = field(default_factory=dict)
    log_path: Path | None = None
    process: subprocess.Popen | None = None
    # How long it may take to stop after SIGTERM before it and its workers are killed.
    stop_seconds: float = 20.0
    # A certificate file to trust for ready_url (tools/local_https.py's own, self-signed).
    verify: bool | str = True
    # Where it runs: Rasa reads endpoints.yml and credentials.yml from here unless told.
    cwd: Path = PROJECT_ROOT

    def start(self) -> Server:
        output = open(self.log_path, "ab") if self.log_path else None
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", **self.env},
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
        )
        return self

    def wait_ready(
        self, timeout: float = 180.0, trouble: Callable[[], str | None] | None = None
    ) -> None:
        """Waits until it answers; `trouble` says why waiting is pointless (it was given up)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.process.returncode}")
            reason = trouble() if trouble else None
            if reason:
                raise RuntimeError(reason)
            try:
                if requests.get(self.ready_url, timeout=2, verify=self.verify).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{self.name} did not answer at {self.ready_url} in {timeout:.0f}s")

    def stop(self) -> None:
        """Stops the server and every process it started (its workers), whatever state
        it is in; safe to call again."""
        if not self.process:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(self.stop_seconds)
            except subprocess.TimeoutExpired:
                pass
            # Its workers may outlive it: the whole group goes.
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
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
        # rasa_sdk's own entry point, which `rasa run actions` only calls: through Rasa's
        # command line the action server also imported Rasa (88 MB of PSS against 30).
        command=[sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p", str(port)],
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
    worker holds its own copy of the model (about 330 MB of PSS), hence the cap. Rasa runs more than
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
            "--cors",
            *origins,
            "-i",
            interface,
            "-p",
            str(port),
        ],
        ready_url=f"http://127.0.0.1:{port}/",
        # The token goes by the environment: on the command line every local user sees it.
        env={
            ORIGINS_VARIABLE: " ".join(origins),
            "SANIC_WORKERS": str(rasa_workers()),
            TOKEN_VARIABLE: token or api_token(),
            # About 510 MB less per worker, for a model without neural components.
            WITHOUT_TENSORFLOW_VARIABLE: "1" if runs_without_tensorflow(model) else "0",
        },
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
        # The token stays out of the command line (`ps` shows it); the page never sees it.
        env={TOKEN_VARIABLE: token or api_token()},
        log_path=log_path,
    )


def supervised_rasa_workers(rasa: Server, workers: int) -> list[Server]:
    """One single-worker Rasa server per worker, all on the same port (SO_REUSEPORT, see
    ember/server/patches.py), so the supervisor restarts a crashed worker on its own."""
    return [
        replace(
            rasa,
            name=f"{rasa.name} {number}",
            env={**rasa.env, "SANIC_WORKERS": "1", SHARED_PORT_VARIABLE: "1"},
        )
        for number in range(1, workers + 1)
    ]


# Loading the model takes Rasa up to a minute on a busy machine: a worker that fails
# sooner failed to start (retried with backoff, then given up on); later it crashed.
RASA_START_SECONDS = 60.0


def missing_variables(endpoints: Path) -> list[str]:
    """The `${VAR}`s an endpoints file uses that the environment does not set.

    Rasa would stop at the first one with a traceback; this names them all at once.
    """
    used = re.findall(r"\$\{(\w+)\}", re.sub(r"#.*", "", endpoints.read_text(encoding="utf-8")))
    return sorted({name for name in used if name not in os.environ})


def action_port_mismatch(endpoints: Path, action_port: int) -> str | None:
    """Why Rasa would call an action server other than the one started, or None.

    Rasa takes the address from the endpoints file alone: with EMBER_ACTION_PORT set and the
    file still naming 5055, every custom action would fail while everything looked up.
    """
    config = yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}
    url = os.path.expandvars(str((config.get("action_endpoint") or {}).get("url", "")))
    address = urlsplit(url)
    if address.hostname not in ("127.0.0.1", "localhost") or address.port == action_port:
        return None
    return (
        f"{endpoints} sends custom actions to {url}, but the action server starts on port "
        f"{action_port} (EMBER_ACTION_PORT): make them agree"
    )


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def ignore_stop_signals() -> None:
    """Once stopping has begun, nothing may interrupt it.

    A service manager, or `kill -- -PGID` on `make run`, signals make and this process
    together, and make passes on one more: a second KeyboardInterrupt raised while the
    servers were being stopped used to leave the rest of them running on their ports.
    """
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.SIG_IGN)


def _begin_stopping(*_) -> None:
    ignore_stop_signals()
    raise KeyboardInterrupt


def stop_on_signals() -> None:
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, _begin_stopping)


def stop_all(servers: list[Server]) -> None:
    ignore_stop_signals()
    for server in reversed(servers):
        server.stop()


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
    parser.add_argument(
        "--supervisor-dir",
        type=Path,
        default=PROJECT_ROOT / "var" / "run",
        help="where the supervisor keeps its configuration, socket and the servers' logs",
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
    # The endpoints file names the action server's address: 5055 in endpoints.yml.
    action_port = int(os.environ.get("EMBER_ACTION_PORT", 5055))
    mismatch = action_port_mismatch(args.endpoints, action_port)
    if mismatch:
        print(f"{mismatch}.", file=sys.stderr)
        return 2
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)
    content_port = int(os.environ.get("EMBER_CONTENT_PORT", 5056))
    content_url = os.environ.get("EMBER_CONTENT_URL", f"http://127.0.0.1:{content_port}")
    web_port = int(os.environ.get("EMBER_WEB_PORT", 8000))
    helpers = [
        content_server(content_port),
        action_server(action_port, content_url=content_url),
    ]
    stop_on_signals()
    if args.shell:
        try:
            for server in helpers:
                server.start().wait_ready()
                print(f"✓ {server.name} is up ({server.ready_url})", flush=True)
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
        except KeyboardInterrupt:
            return 0
        finally:
            stop_all(helpers)

    rasa = rasa_server(args.rasa_port, args.model, args.endpoints, origins=web_origins(web_port))
    workers = supervised_rasa_workers(rasa, rasa_workers())
    servers = [*helpers, *workers, web_server(web_port, f"http://127.0.0.1:{args.rasa_port}")]
    supervisor = Supervisor(
        servers,
        folder=args.supervisor_dir,
        project_root=PROJECT_ROOT,
        start_seconds={worker.name: RASA_START_SECONDS for worker in workers},
        say=lambda line: print(line, flush=True),
    )
    try:
        supervisor.start()
        for server in [*helpers, rasa, servers[-1]]:
            server.wait_ready(trouble=supervisor.check)
            print(f"✓ {server.name} is up ({server.ready_url})", flush=True)
        print(
            f"\nEmber is running ({len(workers)} Rasa workers, each restarted if it crashes).\n"
            f"  Chat:     http://localhost:{web_port}/\n"
            f"  REST:     POST http://127.0.0.1:{args.rasa_port}/webhooks/rest/webhook\n"
            f'            {{"sender": "<a random UUID4>", "message": "hi"}} '
            f"(Content-Type: application/json)\n"
            f"  socketio: http://127.0.0.1:{args.rasa_port}/socket.io\n"
            f"  HTTP API: http://127.0.0.1:{args.rasa_port}/ (token in var/api_token)\n"
            f"  Content:  http://127.0.0.1:{content_port}/v1/content\n"
            f"  Logs:     {args.supervisor_dir}/\n"
            f"  Chat in a terminal instead: make shell\n"
            f"Press Ctrl-C to stop.\n",
            flush=True,
        )
        reason = supervisor.watch()
        print(f"Stopping Ember: {reason}.", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\nStopping Ember…", flush=True)
        return 0
    except (RuntimeError, TimeoutError) as error:
        print(f"Stopping Ember: {error}.", file=sys.stderr, flush=True)
        return 1
    finally:
        ignore_stop_signals()
        supervisor.stop()


if __name__ == "__main__":
    sys.exit(main())
