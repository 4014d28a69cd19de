"""The production profile scaled out: two Rasa servers share PostgreSQL and a Redis lock store.

Both servers run from endpoints.prod.yml itself (its variables pointing at a database and a
Redis key prefix of this test's own), with one action server and one content service. People
talk through both servers at once; afterwards every conversation must hold each message
exactly once, in order, with every reply the REST calls returned. Then one server stops in
the middle of conversations and the other carries on with nothing lost.

Skips, saying why, without PostgreSQL or Redis; fails instead when CI=true.
"""

from __future__ import annotations

import json
import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg2
import pytest
import requests

from ember.server.stores.tracker import EmberSQLTrackerStore
from tests.helpers import production_environment
from tests.servers import ready, tracker
from tools import serve
from tools.serve import PROJECT_ROOT, free_port

pytestmark = pytest.mark.scaleout

TOKEN = "scaleout-test-token"

# Real flows: a situation and a whole reflection (a form), content from the content service,
# an urge, a country and professional help. Each is replayed by several people at once.
BOUNDARY = [
    "hi",
    "she blocked me everywhere, insta, whatsapp, even my number",
    "/request_boundaries",
    "rereading our old chats at 2am",
    "no contact; archive the chat and don't reread it",
    "30 days",
    "go for a walk and write in my journal instead",
]
SCRIPTS = [
    BOUNDARY,
    [
        "he stopped replying three weeks ago",
        "/request_acceptance",
        "the silence, not knowing why",
        "that i cant make him talk to me",
        "how i spend my evenings",
        "the hope that he will write tomorrow",
    ],
    [
        "can you give me a grounding exercise",
        "another grounding exercise please",
        "i feel so alone tonight",
        "a journal prompt please",
    ],
    [
        "i want to text him so bad rn",
        "i live in the uk",
        "how do i find a therapist near me",
        "stop",
    ],
]


@dataclass
class Person:
    """One conversation, and every reply the REST calls gave it, turn by turn."""

    sender: str = field(default_factory=lambda: str(uuid.uuid4()))
    turns: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass
class Cluster:
    rasa: list[serve.Server]
    postgres: object

    def url(self, server: int) -> str:
        return self.rasa[server].ready_url.rstrip("/")

    def say(self, person: Person, text: str, server: int) -> list[dict]:
        response = requests.post(
            f"{self.url(server)}/webhooks/rest/webhook",
            json={"sender": person.sender, "message": text},
            timeout=90,
        )
        assert response.status_code == 200, response.text
        replies = response.json()
        assert replies, f"no reply to {text!r}"
        texts = [reply["text"] for reply in replies if reply.get("text")]
        person.turns.append((text, [part for said in texts for part in paragraphs(said)]))
        return replies

    def tracker(self, sender: str, server: int) -> dict:
        return tracker(self.url(server), sender, TOKEN)

    def stored_user_texts(self, sender: str) -> list[str]:
        """Straight from PostgreSQL, in the order the rows were written."""
        with (
            psycopg2.connect(
                host=self.postgres.host,
                port=self.postgres.port,
                user=self.postgres.user,
                password=self.postgres.password,
                dbname=self.postgres.database,
            ) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "SELECT data FROM events WHERE sender_id = %s AND type_name = 'user' ORDER BY id",
                (sender,),
            )
            return [json.loads(data)["text"] for (data,) in cursor.fetchall()]


def paragraphs(text: str) -> list[str]:
    """The REST channel sends each paragraph of a plain reply as a message of its own (but
    not of a reply with buttons): compare paragraphs, however they were sent."""
    return [part.strip() for part in text.strip().split("\n\n")]


def turns_in(tracker: dict) -> list[tuple[str, list[str]]]:
    """(what the person said, what Ember answered) for each turn in a tracker."""
    turns: list[tuple[str, list[str]]] = []
    for event in tracker["events"]:
        if event["event"] == "user":
            turns.append((event["text"], []))
        elif event["event"] == "bot" and event.get("text") and turns:
            turns[-1][1].extend(paragraphs(event["text"]))
    return turns


def check(cluster: Cluster, person: Person, server: int, sent_at_once: int = 0) -> None:
    """Every message once, in order, each with its replies; the last `sent_at_once` turns
    were sent together to both servers, so their order is the lock store's choice."""
    stored = turns_in(cluster.tracker(person.sender, server))
    assert len(stored) == len(person.turns), "a message was lost or stored twice"
    split = len(person.turns) - sent_at_once
    for got, sent in zip(stored[:split], person.turns[:split], strict=True):
        assert got == sent, json.dumps({"stored": got, "sent": sent}, indent=1)
    assert sorted(stored[split:]) == sorted(person.turns[split:])
    assert cluster.stored_user_texts(person.sender) == [text for text, _ in stored]


@pytest.fixture(scope="module")
def cluster(postgres, redis_server, tmp_path_factory):
    if not serve.DEFAULT_MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does it first)")
    workdir = tmp_path_factory.mktemp("scaleout")
    # Create the events table once, before two servers race to create it.
    EmberSQLTrackerStore(**postgres.store_settings()).engine.dispose()
    prefix = f"embertest{secrets.token_hex(6)}"
    action_port = free_port()
    environment = production_environment(
        postgres, redis_server, prefix, action_url=f"http://127.0.0.1:{action_port}/webhook"
    )
    content = serve.content_server(free_port(), log_path=workdir / "content.log")
    actions = serve.action_server(
        action_port,
        log_path=workdir / "actions.log",
        content_url=content.ready_url.removesuffix("/health"),
    )
    rasa = [
        serve.rasa_server(
            port=free_port(),
            endpoints=PROJECT_ROOT / "endpoints.prod.yml",
            token=TOKEN,
            log_path=workdir / f"rasa{index}.log",
        )
        for index in (0, 1)
    ]
    servers = [content, actions, *rasa]
    for server in rasa:
        server.env.update(environment)
    try:
        for server in servers:  # all at once: the two model loads overlap
            server.start()
        for server in servers:
            ready(server)
        yield Cluster(rasa, postgres)
    finally:
        for server in reversed(servers):
            server.stop()
        redis_server.delete_keys(prefix)


def test_twenty_people_talking_through_both_servers_lose_nothing(cluster):
    people = [Person() for _ in range(20)]

    def converse(index: int) -> None:
        for turn, text in enumerate(SCRIPTS[index % len(SCRIPTS)]):
            cluster.say(people[index], text, server=(index + turn) % 2)

    with ThreadPoolExecutor(len(people)) as pool:
        list(pool.map(converse, range(len(people))))

    # Two messages of one person at the same moment, one to each server: the Redis lock
    # store must make one wait for the other, or one of them would overwrite the other.
    def both_at_once(person: Person) -> None:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(cluster.say, [person] * 2, ["i feel so alone tonight", "hello"], [0, 1]))

    with ThreadPoolExecutor(10) as pool:
        list(pool.map(both_at_once, people[:10]))

    for index, person in enumerate(people):
        check(cluster, person, server=index % 2, sent_at_once=2 if index < 10 else 0)

    boundary_replies = "\n\n".join(people[0].turns[-3][1])  # the summary before the burst
    for answer in BOUNDARY[3:]:
        assert answer in boundary_replies


def test_a_server_stops_mid_conversation_and_the_other_carries_on(cluster):
    people = [Person() for _ in range(4)]
    half = 4

    def begin(index: int) -> None:
        for turn, text in enumerate(BOUNDARY[:half]):
            cluster.say(people[index], text, server=(index + turn) % 2)

    with ThreadPoolExecutor(len(people)) as pool:
        list(pool.map(begin, range(len(people))))

    cluster.rasa[1].stop()

    def finish(person: Person) -> None:
        for text in BOUNDARY[half:]:
            cluster.say(person, text, server=0)

    with ThreadPoolExecutor(len(people)) as pool:
        list(pool.map(finish, people))

    for person in people:
        check(cluster, person, server=0)
        summary = "\n\n".join(person.turns[-1][1])
        for answer in BOUNDARY[3:]:
            assert answer in summary
