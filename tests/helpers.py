"""Helpers the tests share: trackers as the Rasa server sends them, what a dispatcher said,
the production profile's services, and classifier rankings."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from ember.core.project import PROJECT_ROOT

__all__ = [
    "PROJECT_ROOT",
    "Postgres",
    "Redis",
    "make_tracker",
    "production_environment",
    "ranking",
    "responses_sent",
    "unavailable",
]


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


def ranking(**confidences: float) -> list[dict[str, Any]]:
    """An intent ranking, highest confidence first, as the classifier writes it."""
    return [
        {"name": name, "confidence": value}
        for name, value in sorted(confidences.items(), key=lambda item: -item[1])
    ]
