"""With the action server unreachable, the trained assistant ends each turn it cannot finish
with a kind answer, and never says that something happened that did not."""

from __future__ import annotations

import uuid

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.utils.endpoints import EndpointConfig

from ember.core.helplines import CRISIS_OPENING
from tests.helpers import PROJECT_ROOT
from tools.serve import free_port

MODEL = PROJECT_ROOT / "models" / "ember.tar.gz"
pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def agent() -> Agent:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train`")
    nowhere = EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook")
    return Agent.load(str(MODEL), action_endpoint=nowhere)


def paragraphs(agent: Agent, response: str) -> list[str]:
    return [p for v in agent.domain.responses[response] for p in v["text"].split("\n\n")]


async def say(agent: Agent, sender: str, text: str) -> str:
    output = CollectingOutputChannel()
    await agent.handle_message(UserMessage(text, output, sender))
    return "\n".join(message.get("text", "") for message in output.messages)


async def test_a_reflection_that_cannot_start_says_so_instead_of_summing_up_no_answers(agent):
    me = str(uuid.uuid4())
    await say(agent, me, "he stopped replying three weeks ago")
    reply = await say(agent, me, "can we do the acceptance reflection")

    apology = paragraphs(agent, "utter_something_went_wrong")[0]
    assert apology in reply
    assert "None" not in reply
    assert not any(p in reply for p in paragraphs(agent, "utter_acceptance_closing"))
    tracker = await agent.tracker_store.retrieve(me)
    assert tracker.active_loop_name is None
    assert tracker.latest_action_name == "action_listen"


async def test_a_greeting_already_said_gets_no_apology_for_what_could_not_follow_it(agent):
    reply = await say(agent, str(uuid.uuid4()), "hi")
    assert any(p in reply for p in paragraphs(agent, "utter_greet"))
    assert paragraphs(agent, "utter_something_went_wrong")[0] not in reply


async def test_a_crisis_still_gets_its_reply_and_the_next_turn_is_heard(agent):
    me = str(uuid.uuid4())
    assert CRISIS_OPENING in await say(agent, me, "i want to kill myself")
    assert await say(agent, me, "can you help me calm down")
