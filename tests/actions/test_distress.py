import pytest

from actions.distress import OFFERED_SLOT, ActionCheckDistress, distress_persists, user_intents
from tests.helpers import make_tracker, responses_sent


@pytest.mark.parametrize(
    "intents, persists",
    [
        (["greet", "feeling_lonely"], False),
        (["feeling_lonely", "greet", "feeling_angry"], False),
        (["feeling_lonely", "greet", "feeling_angry", "thank", "blaming_myself"], True),
        (["greet", "feeling_anxious", "feeling_anxious"], True),
        (["feeling_anxious", "feeling_heartbroken"], False),
        (["unclear_risk", "feeling_lonely", "feeling_angry"], True),
        ([], False),
    ],
)
def test_distress_persists_after_three_or_the_same_feeling_twice(intents, persists):
    assert distress_persists(intents) is persists


def user(intent):
    return {"event": "user", "text": "…", "parse_data": {"intent": {"name": intent}}}


def test_only_this_sessions_messages_count():
    tracker = make_tracker(
        events=[
            user("feeling_lonely"),
            user("feeling_lonely"),
            {"event": "session_started"},
            user("greet"),
            user("feeling_angry"),
        ]
    )
    assert user_intents(tracker) == ["greet", "feeling_angry"]


async def test_professional_help_is_offered_once_when_distress_persists(dispatcher, domain):
    events = [user("feeling_heartbroken"), user("feeling_heartbroken")]
    result = await ActionCheckDistress().run(dispatcher, make_tracker(events=events), domain)
    assert responses_sent(dispatcher) == ["utter_offer_professional_help"]
    assert result[0]["name"] == OFFERED_SLOT and result[0]["value"] is True

    again = make_tracker(events=events + [user("feeling_lonely")], slots={OFFERED_SLOT: True})
    dispatcher.messages.clear()
    assert await ActionCheckDistress().run(dispatcher, again, domain) == []
    assert dispatcher.messages == []


async def test_nothing_is_said_while_distress_is_passing(dispatcher, domain):
    tracker = make_tracker(events=[user("feeling_lonely")])
    assert await ActionCheckDistress().run(dispatcher, tracker, domain) == []
    assert dispatcher.messages == []
