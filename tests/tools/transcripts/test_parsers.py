"""Plain text, tracker JSON and the tracker store; bad input gets a clear error."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from tests.tools.transcripts.workspace import FIXTURES, SENDERS, copy_project, write_store
from tools.serve import free_port
from tools.transcripts.parsers import (
    TranscriptError,
    parse_plain_text,
    parse_tracker_json,
    read_file,
    read_source,
    store_url_from_endpoints,
)


def test_plain_text_conversations_are_split_on_blank_lines_and_dashes():
    conversations = read_file(FIXTURES / "prefixes.txt")
    assert len(conversations) == 2
    first = conversations[0].turns
    assert [turn.role for turn in first] == ["user"] + ["bot"] * 3 + ["user"] + ["bot"] * 3
    assert first[0].text == "hello there how are you"
    assert first[0].where == "prefixes.txt:2"
    assert first[3].text == "What’s weighing on you right now?"
    assert first[5].text.startswith("When someone you feel this connected to goes quiet")
    assert conversations[1].turns[0].text == "i keep checking her instagram every hour"


@pytest.mark.parametrize(
    "line",
    [
        "user: hi",
        "User: hi",
        "USER:hi",
        "> user: hi",
        ">> User: hi",
        "[12:03] user: hi",
        "12:03 - user: hi",
        "(9:15 pm) user: hi",
        "2026-01-31 12:03:11 user: hi",
        "[2026-01-31 12:03] > me: hi",
    ],
)
def test_tolerated_prefixes(line):
    (conversation,) = parse_plain_text(line + "\nbot: Hello\n", "chat.txt")
    assert [(turn.role, turn.text) for turn in conversation.turns] == [
        ("user", "hi"),
        ("bot", "Hello"),
    ]


def test_the_same_conversation_always_gets_the_same_key():
    text = "user: hi\nbot: Hello\n---\nuser: bye\n"
    first, second = parse_plain_text(text, "a.txt"), parse_plain_text(text, "b.txt")
    assert [c.key for c in first] == [c.key for c in second]
    assert first[0].key != first[1].key


def test_a_malformed_line_is_reported_with_its_number():
    with pytest.raises(TranscriptError) as error:
        parse_plain_text("user: hi\nhe never wrote back\nbot: Hello\nuser:\n", "chat.txt")
    message = str(error.value)
    assert "chat.txt:2: expected 'user:' or 'bot:'" in message
    assert "'he never wrote back'" in message
    assert "chat.txt:4: 'user:' with nothing after it" in message


def test_an_unknown_speaker_is_malformed():
    with pytest.raises(TranscriptError, match=r"chat.txt:1: expected 'user:' or 'bot:'"):
        parse_plain_text("agent: hi\n", "chat.txt")


def test_empty_and_comment_only_files(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n")
    with pytest.raises(TranscriptError, match="empty.txt: the file is empty"):
        read_file(empty)
    comments = tmp_path / "comments.txt"
    comments.write_text("# nothing here yet\n---\n")
    with pytest.raises(TranscriptError, match="no conversations found"):
        read_file(comments)


def test_bytes_that_are_not_utf8_are_named(tmp_path):
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("user: j'ai le cœur brisé\n".encode("latin-1", errors="replace"))
    not_utf8 = r"not UTF-8 text \(byte 0x[0-9a-f]{2} at offset \d+\)"
    with pytest.raises(TranscriptError, match=not_utf8):
        read_file(latin1)
    json_file = tmp_path / "tracker.json"
    json_file.write_bytes(b'{"events": [], "sender_id": "\xff"}')
    with pytest.raises(TranscriptError, match="not UTF-8"):
        read_file(json_file)


def test_a_byte_order_mark_is_fine(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffuser: hi\n".encode())
    assert read_file(path)[0].turns[0].text == "hi"


def test_trackers_are_read_without_their_sender_ids():
    conversations = read_file(FIXTURES / "trackers.json")
    assert len(conversations) == 2
    for conversation in conversations:
        assert conversation.from_tracker
        assert conversation.events[0]["event"]
        assert not any(
            sender in conversation.where or sender in conversation.key for sender in SENDERS
        )


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"events": [', "invalid JSON at line 1, column 13"),
        ('{"sender_id": "x"}', "not a Rasa tracker"),
        ("[]", "the list of trackers is empty"),
        ('{"events": [{"timestamp": 1}]}', "event 0 has no 'event' type"),
    ],
)
def test_malformed_trackers(text, message):
    with pytest.raises(TranscriptError, match=message):
        parse_tracker_json(text, "tracker.json")


def test_a_folder_reads_every_transcript_and_tracker(tmp_path):
    conversations = read_source(str(FIXTURES), tmp_path, None)
    assert sum(c.from_tracker for c in conversations) == 2
    assert len(conversations) > 2
    (tmp_path / "empty").mkdir()
    with pytest.raises(TranscriptError, match="no .json or .txt files"):
        read_source(str(tmp_path / "empty"), tmp_path, None)


def test_the_tracker_store_is_read_read_only(tmp_path):
    store = write_store(tmp_path / "ember.db")
    before = store.read_bytes()
    conversations = read_source(str(store), tmp_path, None)
    assert len(conversations) == 2
    assert store.read_bytes() == before
    url = f"sqlite:///{store}"
    assert [c.key for c in read_source(url, tmp_path, None)] == [c.key for c in conversations]


def test_since_filters_the_tracker_store(tmp_path):
    store = write_store(tmp_path / "ember.db")
    assert len(read_source(str(store), tmp_path, datetime(2000, 1, 1))) == 2
    assert read_source(str(store), tmp_path, datetime(2999, 1, 1)) == []


def test_since_is_refused_for_files(tmp_path):
    with pytest.raises(TranscriptError, match="only applies to the tracker store"):
        read_source(str(FIXTURES / "pii.txt"), tmp_path, datetime(2026, 1, 1))


def test_a_missing_table_or_file_is_a_clear_error(tmp_path):
    broken = tmp_path / "other.db"
    with sqlite3.connect(broken) as db:
        db.execute("CREATE TABLE things (id INTEGER)")
    with pytest.raises(TranscriptError, match="cannot read the tracker store: no such table"):
        read_source(str(broken), tmp_path, None)
    with pytest.raises(TranscriptError, match="no such file or folder"):
        read_source(str(tmp_path / "missing.txt"), tmp_path, None)


def test_the_default_is_the_store_endpoints_yml_configures(tmp_path):
    project = copy_project(tmp_path)
    assert store_url_from_endpoints(project) == str(project / "var" / "ember.db")


def test_an_unreachable_database_is_a_clear_error_without_its_password(tmp_path):
    url = f"postgresql://ember:s3cret@127.0.0.1:{free_port()}/ember"
    with pytest.raises(TranscriptError, match="cannot read the tracker store") as error:
        read_source(url, tmp_path, None)
    assert "s3cret" not in str(error.value)
