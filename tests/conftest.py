"""Shared fixtures: the real domain, rasa_sdk trackers built the way the server sends them,
the real servers (started once, only by the tests that ask for `ember`), and the PostgreSQL
and Redis servers of the production profile when they are reachable.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from tests.servers import Ember, start_ember

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def ember(tmp_path_factory) -> Ember:
    instance = start_ember(tmp_path_factory.mktemp("ember"))
    yield instance
    instance.stop()


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def make_tracker(
    slots: dict[str, Any] | None = None,
    intent: str = "nlu_fallback",
    text: str = "",
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    sender_id: str = "test-person",
) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": sender_id,
            "slots": slots or {},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.9},
                "entities": [],
            },
            "events": events or [],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
    )


def responses_sent(dispatcher: CollectingDispatcher) -> list[str]:
    return [message.get("response") for message in dispatcher.messages]


def unavailable(reason: str) -> None:
    """Skips, saying why; in CI (`CI=true`) a missing service is a failure, never a skip."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: this service must be available)")
    pytest.skip(reason)


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    password: str
    database: str

    def store_settings(self) -> dict[str, Any]:
        """Keyword arguments for a Rasa SQL tracker store on this database."""
        return {
            "dialect": "postgresql",
            "host": self.host,
            "port": self.port,
            "username": self.user,
            "password": self.password or None,
            "db": self.database,
        }


@pytest.fixture(scope="session")
def postgres() -> Postgres:
    """A database of its own on the local PostgreSQL (libpq's PG* variables apply), dropped
    at the end of the session."""
    import psycopg2

    server = Postgres(
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=int(os.environ.get("PGPORT", 5432)),
        user=os.environ.get("PGUSER", "postgres"),
        password=os.environ.get("PGPASSWORD", ""),
        database=f"ember_test_{secrets.token_hex(6)}",
    )
    try:
        admin = psycopg2.connect(
            host=server.host, port=server.port, user=server.user,
            password=server.password, dbname="postgres", connect_timeout=3,
        )
    except psycopg2.OperationalError as error:
        unavailable(f"PostgreSQL is not reachable at {server.host}:{server.port}: {error}")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{server.database}"')
    try:
        yield server
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{server.database}" WITH (FORCE)')
        admin.close()


@dataclass(frozen=True)
class Redis:
    host: str
    port: int

    def delete_keys(self, prefix: str) -> None:
        import redis

        for db in (0, 1):  # Rasa's defaults: trackers in 0, locks in 1
            client = redis.Redis(self.host, self.port, db=db)
            for key in client.scan_iter(match=f"{prefix}*"):
                client.delete(key)


def production_environment(
    postgres: Postgres, redis_server: Redis, redis_prefix: str, action_url: str
) -> dict[str, str]:
    """The variables endpoints.prod.yml reads, pointing at the test database and Redis."""
    return {
        "EMBER_ACTION_URL": action_url,
        "EMBER_DB_HOST": postgres.host,
        "EMBER_DB_PORT": str(postgres.port),
        "EMBER_DB_NAME": postgres.database,
        "EMBER_DB_USER": postgres.user,
        "EMBER_DB_PASSWORD": postgres.password,
        "EMBER_REDIS_HOST": redis_server.host,
        "EMBER_REDIS_PORT": str(redis_server.port),
        "EMBER_REDIS_DB": "1",
        "EMBER_REDIS_PASSWORD": "",
        "EMBER_REDIS_PREFIX": redis_prefix,
    }


@pytest.fixture(scope="session")
def redis_server() -> Redis:
    """The local Redis; tests keep to key prefixes of their own (`redis_prefix`)."""
    import redis

    server = Redis(
        os.environ.get("REDIS_HOST", "127.0.0.1"), int(os.environ.get("REDIS_PORT", 6379))
    )
    try:
        redis.Redis(server.host, server.port, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        unavailable(f"Redis is not reachable at {server.host}:{server.port}: {error}")
    return server


@pytest.fixture
def redis_prefix(redis_server) -> str:
    """A fresh key prefix (Rasa wants it alphanumeric); its keys are deleted afterwards."""
    prefix = f"embertest{secrets.token_hex(6)}"
    yield prefix
    redis_server.delete_keys(prefix)
