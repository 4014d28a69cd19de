"""Lock stores whose ticket bookkeeping is safe with several Rasa processes.

Rasa handles one message of a conversation at a time by giving each message a ticket in
that conversation's queue. Its in-memory lock store keeps the queues inside one process, so
Rasa then runs a single Sanic worker; several workers (`SANIC_WORKERS`, one per core) or
several servers need the queues in a shared store. `EmberSQLiteLockStore` keeps them in a
local SQLite file for the default profile's several workers; `EmberRedisLockStore` in Redis
for the production profile's several servers.

Rasa's `RedisLockStore` keeps each conversation's ticket queue in one Redis key and changes
it by reading the key, changing the queue in Python, and writing it back. When two servers do
that at the same moment for the same person (two messages sent together, one to each server)
one write can erase the other's ticket: both messages are then processed at once, or one
server waits for a ticket that no longer exists until its caller gives up (the scale-out test
met that in two runs out of eight).

Here every read-change-write of a queue is one step: in Redis a Lua script, which Redis runs
alone (no other command runs in between, and nothing waits on the server's event loop); in
SQLite one write transaction. Waiting for one's turn is unchanged.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# The queue as Rasa stores it ({"conversation_id": ..., "tickets": ["{\"number\": 0,
# \"expires\": ...}", ...]}), read without expired tickets, and written back (or deleted
# when empty); shared by the three scripts below. Times come from the calling server's
# clock, as in Rasa's own lock store.
_QUEUE_IN_LUA = """
local key, conversation_id, now = KEYS[1], ARGV[1], tonumber(ARGV[2])
local function live_tickets(stored)
  local tickets = {}
  for _, serialised in ipairs(cjson.decode(stored)["tickets"] or {}) do
    local ticket = cjson.decode(serialised)
    if ticket["expires"] >= now then table.insert(tickets, ticket) end
  end
  return tickets
end
local function save(tickets)
  local serialised = {}
  for index, ticket in ipairs(tickets) do
    serialised[index] = cjson.encode(cjson.encode(ticket))
  end
  redis.call("SET", key, '{"conversation_id": ' .. cjson.encode(conversation_id)
    .. ', "tickets": [' .. table.concat(serialised, ", ") .. "]}")
end
local stored = redis.call("GET", key)
"""
_ISSUE_TICKET = (
    _QUEUE_IN_LUA
    + """
local tickets = stored and live_tickets(stored) or {}
local number = #tickets > 0 and tickets[#tickets]["number"] + 1 or 0
table.insert(tickets, {number = number, expires = now + tonumber(ARGV[3])})
save(tickets)
return number
"""
)
_REMOVE_EXPIRED = (
    _QUEUE_IN_LUA
    + """
if stored then save(live_tickets(stored)) end
"""
)
# Finishing, checking for waiters and deleting are one step: otherwise a ticket issued in
# between would lose its queue.
_FINISH_AND_CLEAN_UP = (
    _QUEUE_IN_LUA
    + """
if not stored then return end
local remaining = {}
for _, ticket in ipairs(live_tickets(stored)) do
  if ticket["number"] ~= tonumber(ARGV[3]) then table.insert(remaining, ticket) end
end
if #remaining == 0 then redis.call("DEL", key) else save(remaining) end
"""
)


class EmberRedisLockStore(RedisLockStore):
    """`RedisLockStore` with atomic ticket issuing, expiry and clean-up."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **settings: Any) -> None:
        # Rasa builds a custom lock store from its endpoint configuration alone.
        if endpoint_config is not None:
            settings = {"host": endpoint_config.url, **endpoint_config.kwargs, **settings}
        super().__init__(**settings)
        self._issue = self.red.register_script(_ISSUE_TICKET)
        self._remove_expired = self.red.register_script(_REMOVE_EXPIRED)
        self._finish = self.red.register_script(_FINISH_AND_CLEAN_UP)

    def _run(self, script: Any, conversation_id: str, *args: float) -> Any:
        return script(
            keys=[self.key_prefix + conversation_id], args=[conversation_id, time.time(), *args]
        )

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return int(self._run(self._issue, conversation_id, lock_lifetime))
        except Exception as error:
            raise LockError(f"Error while acquiring lock: {type(error).__name__}") from error

    def update_lock(self, conversation_id: str) -> None:
        self._run(self._remove_expired, conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self._run(self._finish, conversation_id, ticket_number)


# Another worker's transaction holds the file for well under a millisecond; waiting this long
# means something is badly wrong, and Rasa then answers the message with an error.
SQLITE_BUSY_SECONDS = 5.0


def process_is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but running
    return True


class EmberSQLiteLockStore(LockStore):
    """Ticket queues in a SQLite file that every Rasa worker on this machine opens.

    Each queue change (issue, expire, finish and clean up) is one `BEGIN IMMEDIATE`
    transaction, so workers change a queue one after the other. The queries are small and
    run inside the event loop, as Rasa's Redis lock store's do.

    Each ticket also records the process that holds it. A worker that was killed mid-turn
    leaves its ticket behind, and Rasa would make that conversation wait until the ticket
    expired (a minute); here such tickets are dropped when the store opens, and whenever
    another worker waits behind one (every second while it waits).
    """

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, db: str | Path | None = None
    ) -> None:
        if endpoint_config is not None:
            db = db or endpoint_config.kwargs.get("db") or endpoint_config.url
        if not db:
            raise ValueError("EmberSQLiteLockStore needs `db`: the path of its SQLite file")
        self.path = Path(db)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # A connection per thread, and a new one in a forked worker: SQLite connections must
        # not cross either.
        self._local = threading.local()
        with self._transaction() as db_connection:
            db_connection.execute(
                "CREATE TABLE IF NOT EXISTS ticket_locks "
                "(conversation_id TEXT PRIMARY KEY, lock TEXT NOT NULL)"
            )
            db_connection.execute(
                "CREATE TABLE IF NOT EXISTS ticket_holders (conversation_id TEXT NOT NULL, "
                "number INTEGER NOT NULL, pid INTEGER NOT NULL, "
                "PRIMARY KEY (conversation_id, number))"
            )
            for (conversation_id,) in db_connection.execute(
                "SELECT DISTINCT conversation_id FROM ticket_holders"
            ).fetchall():
                self._drop_tickets_of_stopped_processes(conversation_id)

    def _connection(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.pid = os.getpid()
            local.connection = sqlite3.connect(
                self.path, timeout=SQLITE_BUSY_SECONDS, isolation_level=None
            )
            local.connection.execute("PRAGMA journal_mode=WAL")
            # Tickets live seconds; a power cut that loses the last ones loses nothing.
            local.connection.execute("PRAGMA synchronous=NORMAL")
            local.depth = 0
        return local.connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; calls made inside it join it."""
        connection, local = self._connection(), self._local
        if local.depth:
            local.depth += 1
            try:
                yield connection
            finally:
                local.depth -= 1
            return
        connection.execute("BEGIN IMMEDIATE")
        local.depth = 1
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        else:
            connection.execute("COMMIT")
        finally:
            local.depth = 0

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        row = (
            self._connection()
            .execute("SELECT lock FROM ticket_locks WHERE conversation_id = ?", (conversation_id,))
            .fetchone()
        )
        return TicketLock.from_dict(json.loads(row[0])) if row else None

    def save_lock(self, lock: TicketLock) -> None:
        with self._transaction() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO ticket_locks (conversation_id, lock) VALUES (?, ?)",
                (lock.conversation_id, lock.dumps()),
            )

    def delete_lock(self, conversation_id: str) -> None:
        with self._transaction() as connection:
            deleted = connection.execute(
                "DELETE FROM ticket_locks WHERE conversation_id = ?", (conversation_id,)
            ).rowcount
            connection.execute(
                "DELETE FROM ticket_holders WHERE conversation_id = ?", (conversation_id,)
            )
        self._log_deletion(conversation_id, deleted > 0)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._transaction() as connection:
            number = super().issue_ticket(conversation_id, lock_lifetime)
            connection.execute(
                "INSERT OR REPLACE INTO ticket_holders (conversation_id, number, pid) "
                "VALUES (?, ?, ?)",
                (conversation_id, number, os.getpid()),
            )
        return number

    def update_lock(self, conversation_id: str) -> None:
        with self._transaction():
            self._drop_tickets_of_stopped_processes(conversation_id)
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # Finishing, checking for waiters and deleting are one step: otherwise a ticket
        # issued in between would lose its queue.
        with self._transaction():
            super().cleanup(conversation_id, ticket_number)

    def _drop_tickets_of_stopped_processes(self, conversation_id: str) -> None:
        with self._transaction() as connection:
            holders = connection.execute(
                "SELECT number, pid FROM ticket_holders WHERE conversation_id = ?",
                (conversation_id,),
            ).fetchall()
            lock = self.get_lock(conversation_id)
            live = {ticket.number for ticket in lock.tickets} if lock else set()
            stale = [
                number
                for number, pid in holders
                if number not in live or not process_is_running(pid)
            ]
            if not stale:
                return
            connection.executemany(
                "DELETE FROM ticket_holders WHERE conversation_id = ? AND number = ?",
                [(conversation_id, number) for number in stale],
            )
            if lock:
                for number in stale:
                    lock.remove_ticket_for(number)
                if lock.tickets:
                    self.save_lock(lock)
                else:
                    self.delete_lock(conversation_id)
