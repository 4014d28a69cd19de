"""The socket channel's configuration: exact origins only, and UUID4 conversation ids.

Origins and conversations over a real socket: tests/e2e/test_web.py.
"""

import uuid

import pytest

from ember.core.conversation_id import is_conversation_id
from ember.core.origins import OriginConfigError, parse_origins
from ember.server.channels.socketio import OriginCheckedSocketIOInput


def test_origins_come_from_a_list_or_a_string():
    assert parse_origins(["http://localhost:8000/", "https://ember.example"]) == [
        "http://localhost:8000",
        "https://ember.example",
    ]
    assert parse_origins("http://localhost:8000, http://127.0.0.1:8000") == [
        "http://localhost:8000",
        "http://127.0.0.1:8000",
    ]


@pytest.mark.parametrize(
    "origins",
    [
        None,
        [],
        "",
        "*",
        ["*"],
        ["http://*.example"],
        ["localhost:8000"],
        ["http://localhost:8000/chat"],
    ],
)
def test_missing_wildcard_or_inexact_origins_are_refused(origins):
    with pytest.raises(OriginConfigError):
        parse_origins(origins)


def test_the_environment_replaces_the_origins_in_credentials(monkeypatch):
    monkeypatch.delenv("EMBER_WEB_ORIGINS", raising=False)
    credentials = {"session_persistence": True, "allowed_origins": ["http://localhost:8000"]}
    channel = OriginCheckedSocketIOInput.from_credentials(credentials)
    assert channel.allowed_origins == ["http://localhost:8000"]
    assert channel.session_persistence is True

    monkeypatch.setenv("EMBER_WEB_ORIGINS", "http://localhost:9000")
    channel = OriginCheckedSocketIOInput.from_credentials(credentials)
    assert channel.allowed_origins == ["http://localhost:9000"]


def test_a_channel_without_origins_does_not_start(monkeypatch):
    monkeypatch.delenv("EMBER_WEB_ORIGINS", raising=False)
    with pytest.raises(OriginConfigError):
        OriginCheckedSocketIOInput.from_credentials({"session_persistence": True})


def test_only_a_canonical_uuid4_is_a_conversation_id():
    assert is_conversation_id(str(uuid.uuid4()))
    for value in [
        "default",
        "",
        None,
        42,
        str(uuid.uuid4()).upper(),
        uuid.uuid4().hex,
        str(uuid.uuid1()),
        "../../conversations",
        str(uuid.uuid4()) + "\n",
    ]:
        assert not is_conversation_id(value), value


def test_the_sites_that_embed_the_panel_may_open_a_socket_too(monkeypatch):
    monkeypatch.setenv("EMBER_WEB_ORIGINS", "https://ember.example")
    monkeypatch.setenv("EMBER_EMBED_ORIGINS", "https://community.example, https://charity.example")
    channel = OriginCheckedSocketIOInput.from_credentials({})
    assert channel.allowed_origins == [
        "https://ember.example",
        "https://community.example",
        "https://charity.example",
    ]
    monkeypatch.delenv("EMBER_EMBED_ORIGINS")
    assert OriginCheckedSocketIOInput.from_credentials({}).allowed_origins == [
        "https://ember.example"
    ]


@pytest.mark.parametrize("embed", ["*", "https://*.example", "community.example"])
def test_embed_origins_are_exact_origins_too(monkeypatch, embed):
    monkeypatch.setenv("EMBER_WEB_ORIGINS", "https://ember.example")
    monkeypatch.setenv("EMBER_EMBED_ORIGINS", embed)
    with pytest.raises(OriginConfigError):
        OriginCheckedSocketIOInput.from_credentials({})
