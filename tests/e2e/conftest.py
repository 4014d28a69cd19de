"""Helpers for talking to the real servers (the `ember` fixture: tests/conftest.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json

import aiohttp
import socketio

from tests.helpers import PROJECT_ROOT

# python-engineio, which Rasa's socketio channel brings, builds its client's websocket options
# with aiohttp 3.10's ClientWSTimeout; Rasa pins aiohttp 3.9, whose ws_connect takes that
# close timeout as a plain number.
if not hasattr(aiohttp, "ClientWSTimeout"):
    aiohttp.ClientWSTimeout = lambda ws_close=None, ws_receive=None: ws_close


def texts(replies: list[dict]) -> str:
    return "\n\n".join(reply.get("text", "") for reply in replies)


def buttons(replies: list[dict]) -> list[str]:
    return [button["payload"] for reply in replies for button in reply.get("buttons", [])]


def keep_figures(filename: str, key: str, figures: dict) -> None:
    """Adds one round's figures to results/<filename>, beside the other rounds'."""
    out = PROJECT_ROOT / "results"
    out.mkdir(exist_ok=True)
    path = out / filename
    saved = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps({**saved, key: figures}, indent=2) + "\n")


def carries_contacts(reply: str) -> bool:
    """True when a reply holds crisis contacts: the directories shown when no country is known."""
    directories = ("findahelpline.com", "befrienders.org")
    return any(directory in reply for directory in directories)


class Socket:
    """A Socket.IO client as a browser page would use it, with the Origin it would send."""

    def __init__(self, url: str, origin: str) -> None:
        self.url, self.origin = url, origin
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: asyncio.Queue = asyncio.Queue()
        for name in ["session_confirm", "bot_uttered", "bot_turn_done", "invalid_message"]:
            self.client.on(name, lambda data, name=name: self.events.put_nowait((name, data)))

    async def __aenter__(self) -> Socket:
        await self.client.connect(
            self.url, headers={"Origin": self.origin}, transports=["websocket"], wait_timeout=10
        )
        return self

    async def __aexit__(self, *_) -> None:
        await self.close()

    async def close(self) -> None:
        # Abort: the test is done with the socket and need not wait for a polite goodbye.
        reading = self.client.eio.read_loop_task
        await self.client.eio.disconnect(abort=True)
        if reading:
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reading

    async def next(self, name: str):
        while True:
            got, data = await asyncio.wait_for(self.events.get(), 30)
            if got == name:
                return data

    async def session(self, session_id) -> str:
        await self.client.emit("session_request", {"session_id": session_id})
        return await self.next("session_confirm")

    async def say(self, message: str, **data) -> list[dict]:
        """Ember's replies to one message."""
        events = await self.send({"message": message, **data})
        return [reply for name, reply in events if name == "bot_uttered"]

    async def send(self, payload) -> list[tuple[str, object]]:
        """Emits a user_uttered event; every event that came back before the turn ended."""
        await self.client.emit("user_uttered", payload)
        events = []
        while True:
            name, data = await asyncio.wait_for(self.events.get(), 30)
            if name == "bot_turn_done":
                return events
            events.append((name, data))
