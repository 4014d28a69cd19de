from actions.privacy import ERASE_SLOT, ActionDeleteMyData
from actions.safety import ActionSuggestProfessionalHelp
from actions.session import ActionSessionStart
from ember.tracker_store import ERASE_SLOT as STORE_ERASE_SLOT
from tests.conftest import make_tracker, responses_sent


async def test_delete_my_data_asks_the_store_to_erase_and_says_so(dispatcher, domain):
    events = await ActionDeleteMyData().run(dispatcher, make_tracker(), domain)
    assert events == [{"event": "slot", "timestamp": None, "name": ERASE_SLOT, "value": True}]
    assert responses_sent(dispatcher) == ["utter_data_deleted"]


def test_the_action_and_the_store_agree_on_the_erase_slot(domain):
    assert ERASE_SLOT == STORE_ERASE_SLOT
    assert domain["slots"][ERASE_SLOT]["influence_conversation"] is False


async def test_professional_help_gives_therapist_advice_and_local_contacts(dispatcher, domain):
    events = await ActionSuggestProfessionalHelp().run(
        dispatcher, make_tracker(slots={"country": "GB"}), domain
    )
    assert events == []
    assert responses_sent(dispatcher) == ["utter_find_therapist", "utter_support_contacts"]


async def test_a_session_starts_with_the_ai_notice_and_keeps_where_they_are(dispatcher, domain):
    tracker = make_tracker(
        slots={"country": "IE", "situation": "they_ended_it", "hardest_part": "private"}
    )
    events = await ActionSessionStart().run(dispatcher, tracker, domain)
    assert [event["event"] for event in events] == ["session_started", "slot", "slot", "action"]
    carried = {event["name"]: event["value"] for event in events if event["event"] == "slot"}
    assert carried == {"country": "IE", "situation": "they_ended_it"}
    assert events[-1]["name"] == "action_listen"
    assert responses_sent(dispatcher) == ["utter_ai_notice"]


async def test_a_first_session_carries_nothing(dispatcher, domain):
    events = await ActionSessionStart().run(dispatcher, make_tracker(), domain)
    assert [event["event"] for event in events] == ["session_started", "action"]
