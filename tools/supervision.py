"""Keeps `make run`'s servers up with supervisord, and says plainly what it does.

supervisord (the `supervisor` package) starts each server in a process group of its own,
restarts one that exits, waiting a little longer after each failed start, and gives up on a
server that keeps failing to start (its FATAL state). `Supervisor` here writes its
configuration, starts it, watches it over its local socket, tells the person when a server
was restarted or given up on, and stops everything when asked, or when one was given up on:
Ember without its Rasa server or its action server would not be Ember.
"""

from __future__ import annotations

import re
import shlex
import signal
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tools.serve import Server

# Tries to start a server (each within its start time) before giving up on it; supervisord
# waits 1, 2, 3... seconds between them.
START_RETRIES = 4
GIVEN_UP = "FATAL"
RUNNING = "RUNNING"


def program_name(server_name: str) -> str:
    """supervisord's name for a server: "Rasa server 1" -> "rasa-server-1"."""
    return re.sub(r"[^a-z0-9]+", "-", server_name.lower()).strip("-")


def _escaped(value: str) -> str:
    # supervisord expands %(name)s in its values; a literal % is written %%.
    return value.replace("%", "%%")


def _environment(variables: dict[str, str]) -> str:
    for name, value in variables.items():
        if '"' in value or "\n" in value:
            raise ValueError(f"{name} cannot be passed to supervisord: it has a quote or newline")
    return ",".join(f'{name}="{_escaped(value)}"' for name, value in variables.items())


def configuration(
    servers: list[Server], folder: Path, project_root: Path, start_seconds: dict[str, float]
) -> str:
    """supervisord's configuration for `servers`, with its socket and logs in `folder`.

    `start_seconds`: how long each program must stay up to count as started; failing
    sooner is a failed start (retried with backoff, then given up), exiting later a crash
    (restarted at once).
    """
    sections = [
        "[supervisord]",
        "nodaemon=true",
        f"logfile={folder / 'supervisord.log'}",
        f"pidfile={folder / 'supervisord.pid'}",
        f"childlogdir={folder}",
        "",
        "[unix_http_server]",
        f"file={folder / 'supervisor.sock'}",
        "chmod=0700",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
    ]
    for server in servers:
        name = program_name(server.name)
        sections += [
            f"[program:{name}]",
            f"command={_escaped(shlex.join(server.command))}",
            f"directory={project_root}",
            f"environment={_environment({'RASA_TELEMETRY_ENABLED': 'false', **server.env})}",
            "autostart=true",
            "autorestart=true",
            f"startsecs={start_seconds.get(server.name, 3):g}",
            f"startretries={START_RETRIES}",
            # A server's workers are in its group: stopping it stops them too.
            "stopasgroup=true",
            "killasgroup=true",
            f"stopwaitsecs={server.stop_seconds:g}",
            "redirect_stderr=true",
            f"stdout_logfile={server.log_path or folder / (name + '.log')}",
            "",
        ]
    return "\n".join(sections)


@dataclass
class Supervisor:
    servers: list[Server]
    folder: Path
    project_root: Path
    start_seconds: dict[str, float] = field(default_factory=dict)
    say: Callable[[str], None] = print
    process: subprocess.Popen | None = None
    _states: dict[str, str] = field(default_factory=dict)
    _restarting: set[str] = field(default_factory=set)

    @property
    def config_path(self) -> Path:
        return self.folder / "supervisord.conf"

    def start(self) -> Supervisor:
        self.folder.mkdir(parents=True, exist_ok=True)
        # The configuration holds the servers' environment, the API token included.
        self.config_path.touch(mode=0o600)
        self.config_path.chmod(0o600)
        self.config_path.write_text(
            configuration(self.servers, self.folder, self.project_root, self.start_seconds)
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "supervisor.supervisord", "-c", str(self.config_path)],
            cwd=self.project_root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Only this process stops it, so a Ctrl-C or a signal to the group stops
            # everything once, in order.
            start_new_session=True,
        )
        return self

    def _rpc(self) -> xmlrpc.client.ServerProxy:
        from supervisor.xmlrpc import SupervisorTransport

        transport = SupervisorTransport(None, None, f"unix://{self.folder / 'supervisor.sock'}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def _process_infos(self) -> list[dict]:
        try:
            return self._rpc().supervisor.getAllProcessInfo()
        except (OSError, xmlrpc.client.Error):
            return []  # not listening yet, or already gone

    def states(self) -> dict[str, str]:
        """Each program's state (RUNNING, STARTING, BACKOFF, EXITED, FATAL...)."""
        return {info["name"]: info["statename"] for info in self._process_infos()}

    def pids(self) -> dict[str, int]:
        return {info["name"]: info["pid"] for info in self._process_infos() if info["pid"]}

    def check(self) -> str | None:
        """Tells of restarts; returns why Ember must stop, or None while all is well."""
        if self.process is None or self.process.poll() is not None:
            return "the supervisor itself stopped"
        states = self.states()
        for name, state in states.items():
            before = self._states.get(name)
            if before == RUNNING and state != RUNNING:
                self._restarting.add(name)
                self.say(
                    f"⟳ {name} stopped unexpectedly ({state.lower()}); restarting it "
                    f"(its log: {self.folder / (name + '.log')})."
                )
            elif state == RUNNING and name in self._restarting:
                self._restarting.discard(name)
                self.say(f"✓ {name} is running again.")
            if state == GIVEN_UP:
                return (
                    f"{name} failed to start {START_RETRIES + 1} times in a row, so it was "
                    f"given up on; see {self.folder / (name + '.log')}"
                )
        self._states.update(states)
        return None

    def stop(self, timeout: float = 60.0) -> None:
        """Stops every server, then the supervisor; safe to call again."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def watch(self, interval: float = 1.0) -> str:
        """Watches until a server is given up on or the supervisor stops; says why."""
        while True:
            reason = self.check()
            if reason:
                return reason
            time.sleep(interval)
