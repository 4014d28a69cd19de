"""Shared fixtures: the real domain, rasa_sdk trackers built the way the server sends them,
the real servers (started once, only by the tests that ask for `ember`), and the PostgreSQL
and Redis servers of the production profile when they are reachable.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from ember.core.project import load_domain
from tests.helpers import Postgres, Redis, unavailable
from tests.servers import Ember, start_ember


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return load_domain()


@pytest.fixture(scope="session")
def ember(tmp_path_factory) -> Ember:
    instance = start_ember(tmp_path_factory.mktemp("ember"))
    yield instance
    instance.stop()


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


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
            host=server.host,
            port=server.port,
            user=server.user,
            password=server.password,
            dbname="postgres",
            connect_timeout=3,
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
