"""Rasa's socketio channel, made safe for Ember's web page.

Rasa 3.6's `SocketIOInput` creates its Socket.IO server with `cors_allowed_origins=[]`,
which switches the origin check off: any web site a person visits could open a socket to
Ember in their browser. This channel accepts only the exact origins it is configured with.
It checks them when a socket connects rather than in engine.io, because engine.io would then
add its own CORS headers next to the ones Rasa's `--cors` adds, and browsers refuse a
response with two; `--cors` must list the same origins (tools/serve.py passes both). The
sites that embed the chat panel (EMBER_EMBED_ORIGINS) may open a socket too: a browser sends
the host page's origin for the panel's socket.

It also ties each socket to one conversation. The stock channel takes the conversation id
from every message, so a socket could write into any conversation whose id it knows; here
the id is fixed by `session_request` and must be a random UUID4 (ember.core.conversation_id).
The stock channel also calls python-socketio 5.x's coroutine `enter_room` without awaiting
it, so with `session_persistence` no reply would reach the page; this one awaits it.

Sockets use the websocket transport only. The Rasa server runs a worker per core, and
engine.io's long-polling sends each request of one session separately: the operating system
would hand them to different workers, and a worker knows only its own sessions. A websocket
stays on the worker it connected to.

Messages are checked as the REST channel checks them (ember.server.channels.replies): one
that cannot be taken gets an `invalid_message` event, and a turn Rasa answers with silence
still gets a kind reply, or a safety message its contacts.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from ember.core.conversation_id import is_conversation_id
from ember.core.origins import configured_origins, embed_origins, parse_origins
from ember.server.channels.replies import InvalidRequest, handle_with_reply, message_and_metadata

logger = logging.getLogger(__name__)

# Sent to the conversation's room once Ember has said everything for a message, so the page
# knows when to stop showing that Ember is typing (Rasa sends each bot message on its own).
TURN_DONE_EVENT = "bot_turn_done"
# Sent to the socket alone when a message cannot be taken (not an object, a message that is
# not text, metadata that is not an object): what a 400 is to the REST channel.
INVALID_MESSAGE_EVENT = "invalid_message"
UNAVAILABLE = "Ember can't answer right now. Please try again in a moment."


class CountingSocketIOOutput(SocketIOOutput):
    """Counts what it sends, so a turn Rasa answered with silence can still be answered."""

    sent = 0

    async def _send_message(self, socket_id: str, response: Any) -> None:
        await super()._send_message(socket_id, response)
        self.sent += 1


class OriginCheckedSocketIOInput(SocketIOInput):
    """`SocketIOInput` for the web page's and the embedding sites' exact origins, one UUID4
    conversation per socket."""

    allowed_origins: list[str] = []

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        channel = super().from_credentials(credentials)
        channel.allowed_origins = configured_origins(credentials) + embed_origins()
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        sio.eio.transports = ["websocket"]
        allowed_origins = parse_origins(self.allowed_origins)
        namespace = self.namespace or "/"
        stock_connect = sio.handlers[namespace]["connect"]

        async def connect(sid: str, environ: dict, auth: Any = None) -> bool:
            # Browsers always send Origin on a cross-origin socket; other clients cannot be
            # stopped by an origin check anyway.
            origin = environ.get("HTTP_ORIGIN")
            if origin is not None and origin not in allowed_origins:
                logger.warning("Refused a socket from origin %r.", origin)
                return False
            return await stock_connect(sid, environ, auth)

        async def session_request(sid: str, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = requested if is_conversation_id(requested) else str(uuid.uuid4())
            previous = (await sio.get_session(sid, namespace=namespace)).get("session_id")
            if previous and previous != session_id:
                # One conversation per socket: after an erasure the page starts a new one.
                await sio.leave_room(sid, previous, namespace=namespace)
            await sio.save_session(sid, {"session_id": session_id}, namespace=namespace)
            await sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        async def handle_message(sid: str, data: Any) -> None:
            session_id = (await sio.get_session(sid, namespace=namespace)).get("session_id")
            if not session_id:
                logger.warning("Ignored a socket message sent before session_request.")
                return
            try:
                text, metadata = message_and_metadata(data, self.metadata_key)
            except InvalidRequest as invalid:
                await sio.emit(
                    INVALID_MESSAGE_EVENT, {"error": invalid.message}, room=sid, namespace=namespace
                )
                await sio.emit(TURN_DONE_EVENT, {}, room=sid, namespace=namespace)
                return
            output = CountingSocketIOOutput(sio, self.bot_message_evt)
            message = UserMessage(
                text, output, session_id, input_channel=self.name(), metadata=metadata
            )
            try:
                agent = next(iter(blueprint.apps)).ctx.agent
                await handle_with_reply(agent, on_new_message, message, lambda: output.sent)
            except Exception as error:  # noqa: BLE001 - e.g. the tracker store is unreachable
                logger.error("Could not answer a socket message: %s", type(error).__name__)
                await sio.emit(
                    INVALID_MESSAGE_EVENT, {"error": UNAVAILABLE}, room=sid, namespace=namespace
                )
            finally:
                await sio.emit(TURN_DONE_EVENT, {}, room=session_id, namespace=namespace)

        sio.on("connect", connect, namespace=namespace)
        sio.on("session_request", session_request, namespace=namespace)
        sio.on(self.user_message_evt, handle_message, namespace=namespace)
        return blueprint
