"""Helpers for reading the replies of the real servers (the `ember` fixture: tests/conftest.py)."""

from __future__ import annotations


def texts(replies: list[dict]) -> str:
    return "\n\n".join(reply.get("text", "") for reply in replies)


def buttons(replies: list[dict]) -> list[str]:
    return [button["payload"] for reply in replies for button in reply.get("buttons", [])]


def carries_contacts(reply: str) -> bool:
    """True when a reply holds crisis contacts: the directories shown when no country is known."""
    directories = ("findahelpline.com", "befrienders.org")
    return any(directory in reply for directory in directories)
