"""Load: 50 people talking at once for a minute, then again with the action server killed halfway.

Checked: no errors, every message answered, crisis replies carry contacts, and afterwards
every conversation in the tracker store holds each message sent, exactly once and in order.
The figures are printed and written to results/load.json; there are no timing assertions.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid
from dataclasses import dataclass, field

import aiohttp
import pytest

from tests.e2e.conftest import carries_contacts, keep_figures

pytestmark = pytest.mark.e2e

USERS = 50
SECONDS = float(os.environ.get("EMBER_LOAD_SECONDS", 60))
CRISIS = "i want to end my life"
# One person's evening with Ember: what happened, feelings, content, a whole reflection,
# a crisis message, and goodbye. Played in a loop for as long as the round lasts.
SCRIPT = [
    "hi",
    "he stopped replying to me three weeks ago",
    "i feel so heartbroken",
    "can i have an affirmation",
    "/request_acceptance",
    "the silence every evening",
    "what he feels and whether he comes back",
    "how i spend my evenings",
    "needing him to explain himself",
    "give me a journal prompt",
    CRISIS,
    "thank you",
    "bye",
]


@dataclass
class Person:
    sender: str
    sent: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    crisis_without_contacts: list[str] = field(default_factory=list)


async def talk(session: aiohttp.ClientSession, url: str, person: Person, until: float) -> None:
    turn = 0
    while time.monotonic() < until:
        message = SCRIPT[turn % len(SCRIPT)]
        turn += 1
        person.sent.append(message)
        started = time.monotonic()
        try:
            async with session.post(url, json={"sender": person.sender, "message": message}) as r:
                replies = await r.json(content_type=None)
                if r.status != 200 or not replies:
                    person.errors.append(f"{r.status}: {replies!r:.200}")
                    continue
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            person.errors.append(type(error).__name__)
            continue
        person.latencies.append(time.monotonic() - started)
        reply = " ".join(m.get("text", "") for m in replies)
        if message == CRISIS and not carries_contacts(reply):
            person.crisis_without_contacts.append(reply)


async def load_round(ember, name: str, halfway=None) -> list[Person]:
    people = [Person(str(uuid.uuid4())) for _ in range(USERS)]
    url = f"{ember.base_url}/webhooks/rest/webhook"
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as s:
        until = time.monotonic() + SECONDS
        conversations = [asyncio.create_task(talk(s, url, p, until)) for p in people]
        if halfway:
            await asyncio.sleep(SECONDS / 2)
            await asyncio.to_thread(halfway)
        await asyncio.gather(*conversations)
    return people


def lost_messages(ember, people: list[Person]) -> list[str]:
    """Conversations whose stored user messages differ from what was sent."""
    lost = []
    for person in people:
        events = ember.tracker(person.sender)["events"]
        stored = [e["text"] for e in events if e.get("event") == "user"]
        if stored != person.sent:
            lost.append(f"{person.sender}: sent {len(person.sent)}, stored {len(stored)}")
        if not any(e.get("event") == "bot" for e in events):
            lost.append(f"{person.sender}: no reply stored")
    return lost


def figures(name: str, people: list[Person]) -> dict:
    latencies = sorted(t for p in people for t in p.latencies)
    messages = sum(len(p.sent) for p in people)
    return {
        "round": name,
        "users": USERS,
        "seconds": SECONDS,
        "messages": messages,
        "answered": len(latencies),
        "errors": sum(len(p.errors) for p in people),
        "messages_per_second": round(len(latencies) / SECONDS, 1),
        "p50_ms": round(statistics.median(latencies) * 1000) if latencies else None,
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000) if latencies else None,
        "crisis_without_contacts": sum(len(p.crisis_without_contacts) for p in people),
    }


def report(capsys, results: dict) -> None:
    keep_figures("load.json", results["round"], results)
    with capsys.disabled():
        print(
            f"\nload [{results['round']}]: "
            f"{results['users']} users for {results['seconds']:.0f} s: "
            f"{results['messages']} messages, {results['answered']} answered, "
            f"{results['errors']} errors, {results['messages_per_second']} msg/s, "
            f"p50 {results['p50_ms']} ms, p95 {results['p95_ms']} ms, "
            f"crisis replies without contacts: {results['crisis_without_contacts']}"
        )


def check(people: list[Person], results: dict, ember) -> None:
    assert results["errors"] == 0, [e for p in people for e in p.errors][:10]
    failed = [(p.sender, p.crisis_without_contacts[0]) for p in people if p.crisis_without_contacts]
    assert failed == [], f"{len(failed)} crisis replies without contacts, e.g. {failed[:3]}"
    assert results["messages"] >= USERS * 2, "the round was too short to mean anything"
    assert lost_messages(ember, people) == []


async def test_fifty_conversations_for_a_minute(ember, capsys):
    people = await load_round(ember, "steady")
    results = figures("steady", people)
    report(capsys, results)
    check(people, results, ember)


async def test_fifty_conversations_with_the_action_server_killed_halfway(ember, capsys):
    try:
        people = await load_round(ember, "actions-killed", halfway=ember.stop_actions)
    finally:
        ember.start_actions()
    results = figures("actions-killed", people)
    report(capsys, results)
    check(people, results, ember)
