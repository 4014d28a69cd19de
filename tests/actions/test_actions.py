from actions.privacy import ERASE_SLOT, ActionDeleteMyData
from actions.safety import ActionSuggestProfessionalHelp
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
