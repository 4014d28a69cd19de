"""The review studio on the production profile: it reads the conversations from the
PostgreSQL tracker store that endpoints.prod.yml names, its `${VAR}`s from the environment.

Skips, saying why, without PostgreSQL; fails instead when CI=true.
"""

from __future__ import annotations

import json

import psycopg2
import pytest

from tests.helpers import PROJECT_ROOT, production_environment
from tests.tools.transcripts.workspace import FIXTURES
from tools.transcripts.parsers import store_url_from_endpoints
from tools.transcripts.review import Studio

pytestmark = pytest.mark.scaleout


def test_the_studio_reads_the_production_tracker_store(
    postgres, redis_server, monkeypatch, tmp_path
):
    with (
        psycopg2.connect(
            host=postgres.host,
            port=postgres.port,
            user=postgres.user,
            password=postgres.password,
            dbname=postgres.database,
        ) as db,
        db.cursor() as cursor,
    ):
        cursor.execute(
            "CREATE TABLE events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
            "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
            "action_name VARCHAR(255), data TEXT)"
        )
        for tracker in json.loads((FIXTURES / "trackers.json").read_text(encoding="utf-8")):
            for event in tracker["events"]:
                cursor.execute(
                    "INSERT INTO events (sender_id, type_name, timestamp, data) "
                    "VALUES (%s, %s, %s, %s)",
                    (tracker["sender_id"], event["event"], event["timestamp"], json.dumps(event)),
                )
    for name, value in production_environment(postgres, redis_server, "studio:", "").items():
        monkeypatch.setenv(name, value)

    url = store_url_from_endpoints(PROJECT_ROOT, PROJECT_ROOT / "endpoints.prod.yml")
    inbox = Studio(PROJECT_ROOT, url, tmp_path / "state").inbox({})
    assert url.startswith("postgresql") and inbox["counts"]["conversations"] == 2
    assert inbox["counts"]["sensitive"] == 1
