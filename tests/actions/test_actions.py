from actions.privacy import ActionDeleteMyData, ActionShowMyReflections
from actions.safety import ActionSuggestProfessionalHelp
from ember.core.journal import REFLECTION_SLOTS
from ember.core.slots import ERASE_SLOT
from tests.helpers import make_tracker, responses_sent


async def test_delete_my_data_asks_the_store_to_erase_and_claims_nothing(dispatcher, domain):
    events = await ActionDeleteMyData().run(dispatcher, make_tracker(), domain)
    assert events == [{"event": "slot", "timestamp": None, "name": ERASE_SLOT, "value": True}]
    # "Done, erased" comes from the Rasa server once the store has erased it, never before.
    assert responses_sent(dispatcher) == []


def test_the_erase_slot_never_steers_the_conversation(domain):
    assert domain["slots"][ERASE_SLOT]["influence_conversation"] is False


async def test_professional_help_gives_therapist_advice_and_local_contacts(dispatcher, domain):
    events = await ActionSuggestProfessionalHelp().run(
        dispatcher, make_tracker(slots={"country": "GB"}), domain
    )
    assert events == []
    assert responses_sent(dispatcher) == ["utter_find_therapist", "utter_support_contacts"]


async def test_show_my_reflections_gives_back_every_answer_written(dispatcher, domain):
    slots = {
        "hardest_part": "the silence",
        "boundary_rule": "no checking her stories",
        "boundary_duration": "30 days",
        "people_to_call": "my sister",
    }
    events = await ActionShowMyReflections().run(dispatcher, make_tracker(slots=slots), domain)
    assert events == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_my_reflections"
    summary = message["summary"]
    for answer in slots.values():
        assert answer in summary
    assert "Your acceptance reflection\nThe hardest part: the silence" in summary
    assert "Your self-love reflection" not in summary  # nothing written there
    assert summary.index("acceptance") < summary.index("boundary") < summary.index("safety")


async def test_show_my_reflections_says_so_when_nothing_was_written(dispatcher, domain):
    await ActionShowMyReflections().run(dispatcher, make_tracker(), domain)
    assert responses_sent(dispatcher) == ["utter_no_reflections_yet"]


def test_every_reflection_slot_is_shown_and_exists_in_the_domain(domain):
    shown = {slot for headings in REFLECTION_SLOTS.values() for slot in headings}
    # The check-in form's two answers become one dated check-in (mood_checkins), not slots.
    reflections = {
        name: form for name, form in domain["forms"].items() if name != "mood_checkin_form"
    }
    form_slots = {slot for form in reflections.values() for slot in form["required_slots"]}
    assert shown == form_slots
