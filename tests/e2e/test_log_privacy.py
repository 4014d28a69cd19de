"""At INFO level, no server log line holds what a person wrote."""

import uuid

import pytest

pytestmark = pytest.mark.e2e


def test_logs_hold_no_message_text_or_reflection(ember):
    me = f"privacy-{uuid.uuid4().hex[:12]}"
    # Distinctive words that no log line could contain by chance.
    secrets = [
        "quillfeather stopped replying after the lanternfest",
        "the hardest part is the marigoldwharf silence",
        "i cannot change what ottervale decided",
    ]
    ember.say(me, "hi")
    ember.say(me, secrets[0])
    ember.say(me, "/request_acceptance")
    ember.say(me, secrets[1])
    ember.say(me, secrets[2])
    ember.say(me, "show me what i wrote")
    ember.say(me, "i want to die, quillfeather")

    logs = {
        name: (ember.workdir / name).read_text(errors="replace")
        for name in ("rasa.log", "actions.log", "content.log")
    }
    assert "INFO" in logs["rasa.log"], "the servers must log at INFO for this test to mean much"
    for name, text in logs.items():
        for secret in ["quillfeather", "marigoldwharf", "ottervale"]:
            assert secret not in text, f"{name} holds a person's words"
