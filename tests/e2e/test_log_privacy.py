"""At INFO level, no server log line holds what a person wrote or what Ember kept for them,
and a normal conversation logs no ERROR at all."""

import re
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

LOGS = ("rasa.log", "actions.log", "content.log")
# Distinctive words that no log line could contain by chance.
SECRETS = ["quillfeather", "marigoldwharf", "ottervale"]


class NewLogLines:
    """What the servers log from now on (the servers are shared by the whole session)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.offsets = {name: self._size(name) for name in LOGS}

    def _size(self, name: str) -> int:
        path = self.workdir / name
        return path.stat().st_size if path.exists() else 0

    def read(self) -> dict[str, str]:
        texts = {}
        for name, offset in self.offsets.items():
            with open(self.workdir / name, "rb") as log:
                log.seek(offset)
                texts[name] = log.read().decode(errors="replace")
        return texts


def assert_nothing_private(logs: dict[str, str]) -> None:
    for name, text in logs.items():
        for secret in SECRETS:
            assert secret not in text, f"{name} holds a person's words"


def test_a_whole_conversation_logs_no_error_and_nothing_private(ember):
    me = f"privacy-{uuid.uuid4().hex[:12]}"
    logs = NewLogLines(ember.workdir)
    ember.say(me, "hi")
    ember.say(me, "quillfeather stopped replying after the lanternfest")
    ember.say(me, "/request_acceptance")
    ember.say(me, "the hardest part is the marigoldwharf silence")
    ember.say(me, "i cannot change what ottervale decided")
    ember.say(me, "show me what i wrote")
    # The crisis reply carries the country buttons, whose payloads Rasa used to read as
    # templates: ten ERRORs a reply, each with the conversation's slot values.
    ember.say(me, "i want to die, quillfeather")
    ember.say(me, '/inform_country{"country":"US"}')

    written = logs.read()
    whole_log = (ember.workdir / "rasa.log").read_text(errors="replace")
    assert "INFO" in whole_log, "the servers must log at INFO for this test to mean much"
    assert_nothing_private(written)
    for name, text in written.items():
        errors = [line for line in text.splitlines() if re.search(r"\bERROR\b", line)]
        assert not errors, f"{name} logged errors in a normal conversation: {errors[:3]}"


def test_a_conversation_through_a_failure_logs_nothing_private(ember):
    me = f"privacy-{uuid.uuid4().hex[:12]}"
    logs = NewLogLines(ember.workdir)
    ember.say(me, "hi")
    ember.say(me, "/request_acceptance")
    ember.stop_actions()
    try:
        ember.say(me, "the hardest part is the marigoldwharf silence")
        ember.say(me, "i want to die, ottervale")
    finally:
        ember.start_actions()
    ember.say(me, "quillfeather never wrote back")
    written = logs.read()
    assert re.search(r"\bERROR\b", written["rasa.log"]), "the failure must show in the log"
    assert_nothing_private(written)
