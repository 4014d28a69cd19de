"""Answers stay answers, through the real servers: the issue's own conversation, and the
interruptions that should still interrupt."""

import uuid

import pytest

from ember.core.helplines import CRISIS_OPENING
from ember.core.project import load_domain
from ember.core.reflection_replies import LEFT_OPEN
from tests.e2e.conftest import texts

pytestmark = pytest.mark.e2e

DOMAIN = load_domain()


def first_paragraphs(response: str) -> list[str]:
    return [v["text"].split("\n\n")[0] for v in DOMAIN["responses"][response]]


def got(reply: str, response: str) -> bool:
    return any(text in reply for text in first_paragraphs(response))


def test_the_acceptance_reflection_keeps_every_answer_and_serves_requests(ember):
    me = f"answers-{uuid.uuid4().hex[:12]}"
    assert got(texts(ember.say(me, "can you help me accept it")), "utter_acceptance_intro")
    reply = texts(ember.say(me, "that he is gone and i can't change it"))
    assert CRISIS_OPENING not in reply
    assert ember.tracker(me)["slots"]["hardest_part"] == "that he is gone and i can't change it"
    ember.say(me, "i can't control what he does")
    assert ember.tracker(me)["slots"]["outside_control"] == "i can't control what he does"

    reply = texts(ember.say(me, "give me a journal prompt"))
    assert got(reply, "utter_resume_form")
    assert ember.tracker(me)["slots"]["within_reach"] is None

    ember.say(me, "i can let go of checking my phone")
    slots = ember.tracker(me)["slots"]
    assert slots["within_reach"] == "i can let go of checking my phone"

    reply = texts(ember.say(me, "thank you"))
    assert got(reply, "utter_reflection_paused")
    tracker = ember.tracker(me)
    assert tracker["slots"]["letting_go"] is None and not (tracker["active_loop"] or {}).get("name")
    assert tracker["slots"]["hardest_part"]  # what was said is kept


def test_idk_is_met_once_with_a_gentler_question_then_accepted(ember):
    me = f"answers-{uuid.uuid4().hex[:12]}"
    ember.say(me, "/request_self_love")
    reply = texts(ember.say(me, "idk"))
    assert ember.tracker(me)["slots"]["kind_words"] is None
    assert ember.tracker(me)["slots"]["rephrasing"] == "kind_words"
    assert "idk" not in reply
    ember.say(me, "i don't know")
    assert ember.tracker(me)["slots"]["kind_words"] == LEFT_OPEN


def test_a_crisis_said_as_an_answer_still_comes_first(ember):
    me = f"answers-{uuid.uuid4().hex[:12]}"
    ember.say(me, "/request_boundaries")
    reply = texts(ember.say(me, "honestly i just want to die"))
    assert CRISIS_OPENING in reply
