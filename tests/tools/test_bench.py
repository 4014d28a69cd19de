"""The benchmark's own arithmetic and its reading of the conversation suite."""

import math
import os

from tools import bench


def test_the_load_is_the_suites_typed_conversations_with_few_button_presses():
    conversations = bench.suite_conversations()
    assert len(conversations) >= 100
    assert all(conversations) and all(all(turn.strip() for turn in c) for c in conversations)
    assert bench.payload_share(conversations) <= 0.2
    assert bench.payload_share([["hi", "/request_grounding"], ["ok", "bye"]]) == 0.25


def test_worker_shares_are_parts_of_the_cpu_time_between_two_readings():
    assert bench.shares([10.0, 20.0], [13.0, 21.0]) == [0.75, 0.25]
    assert all(math.isnan(share) for share in bench.shares([1.0, 1.0], [1.0, 1.0]))
    assert bench.cpu_seconds(os.getpid()) > 0


def test_a_process_listening_on_a_port_is_seen_and_others_are_not():
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        assert not bench.listens_on(os.getpid(), port), "bound is not yet listening"
        listener.listen()
        assert bench.listens_on(os.getpid(), port)
        assert not bench.listens_on(os.getpid(), port + 1 if port < 65535 else port - 1)
        bench.wait_until_listening([os.getpid()], port, timeout=1)


def test_latency_by_turn_reads_medians_around_each_mark_and_skips_failures():
    latencies = [0.01] * 20 + [0.1] * 70 + [0.2] * 20 + [float("nan")] * 5
    figures = bench.latency_by_turn(latencies, marks=(10, 100, 400))
    assert figures == {10: 10.0, 100: 200.0}  # turns 91-110; nothing past the end


def test_every_goal_is_checked_in_every_run():
    def level(p50, p95, rate, errors=0, shares=(0.5, 0.5)):
        return {
            "p50_ms": p50,
            "p95_ms": p95,
            "throughput_msg_s": rate,
            "errors": errors,
            "worker_shares": list(shares),
        }

    ember = {
        "memory_mb": 600,
        "users_1": level(20, 40, 40),
        "store_before": level(20, 40, 40),
        "store_after": level(30, 50, 30),
        "users_10": level(100, 150, 100, shares=(0.7, 0.3)),
        "long_conversation_s": [0.02] * 20 + [0.05] * 400,
    }
    base = {"memory_mb": 1000, "users_1": level(40, 50, 30), "users_10": level(300, 500, 30)}
    met = {what: ok for what, _, ok in bench.goals(ember, base, [1, 10])}
    assert met["1 user: p50 at most 0.7x"]
    assert met["10 users: throughput at least 2.5x"]
    assert met["10 users: p95 at most 0.4x"]
    assert not met["10 users: smallest worker share at least 35%"]
    assert met["memory (PSS) at most 0.7x"]
    assert not met["p50 around turn 400 at most 1.5x the first 20 turns'"]
    assert not met["1 user: p50 with the store filled at most 1.2x before"]


async def test_the_store_fills_with_copies_of_the_conversations_it_holds(tmp_path):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from ember.server.stores.tracker import EmberSQLTrackerStore

    store = EmberSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "ember.db"))
    tracker = DialogueStateTracker("someone", [])
    tracker.update(UserUttered("he went quiet", {"name": "they_stopped_replying"}))
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    long = DialogueStateTracker("the long one", [])
    for _ in range(bench.LONGEST_MODEL_CONVERSATION + 1):
        long.update(ActionExecuted("action_listen"))
    await store.save(long)

    assert bench.fill_store(tmp_path / "ember.db", 50) == 100
    assert len(list(await store.keys())) == 52
    copy = await store.retrieve(next(k for k in await store.keys() if k.startswith("stored-")))
    assert [e.text for e in copy.events if isinstance(e, UserUttered)] == ["he went quiet"]
    assert copy.events[0].timestamp < tracker.events[0].timestamp
    store.engine.dispose()


def test_the_baseline_runs_in_its_own_folder_not_embers(tmp_path):
    # From Ember's folder, `rasa run` would read Ember's endpoints.yml and credentials.yml:
    # its store, channels and changes to Rasa, and the baseline would not be stock.
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "stock.tar.gz").touch()
    (server,) = bench.baseline_servers(tmp_path, 5999)
    assert server.cwd == tmp_path
