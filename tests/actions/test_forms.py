import pytest

from actions.forms import (
    ValidateAcceptanceForm,
    ValidateBoundaryForm,
    ValidateSelfLoveForm,
)
from tests.helpers import make_tracker, responses_sent


def slot_candidates(**slots):
    """Events as the form sends them: the user's message, then the extracted candidates."""
    return [{"event": "user", "text": "…"}] + [
        {"event": "slot", "name": name, "value": value} for name, value in slots.items()
    ]


def as_dict(events):
    return {event["name"]: event["value"] for event in events}


@pytest.mark.parametrize(
    "validator, slot",
    [
        (ValidateAcceptanceForm(), "hardest_part"),
        (ValidateSelfLoveForm(), "kind_words"),
        (ValidateBoundaryForm(), "boundary_rule"),
    ],
)
async def test_an_answer_is_kept_tidied(validator, slot, dispatcher, domain):
    tracker = make_tracker(
        slots={slot: "  mute him\nand don't check  ", "requested_slot": slot},
        events=slot_candidates(**{slot: "  mute him\nand don't check  "}),
        active_loop=validator.form_name(),
    )
    events = await validator.run(dispatcher, tracker, domain)
    assert as_dict(events) == {slot: "mute him and don't check"}
    assert dispatcher.messages == []


async def test_an_empty_answer_is_asked_again_kindly(dispatcher, domain):
    tracker = make_tracker(
        slots={"hardest_part": "   ", "requested_slot": "hardest_part"},
        events=slot_candidates(hardest_part="   "),
        active_loop="acceptance_form",
    )
    events = await ValidateAcceptanceForm().run(dispatcher, tracker, domain)
    assert as_dict(events) == {"hardest_part": None}
    assert responses_sent(dispatcher) == ["utter_reflection_empty"]


@pytest.mark.parametrize(
    "intent, acknowledgement",
    [
        ("feeling_lonely", "utter_form_ack_lonely"),
        ("blaming_myself", "utter_form_ack_blaming_myself"),
        ("feeling_heartbroken", "utter_form_ack_heartbroken"),
        ("feeling_angry", "utter_form_ack_angry"),
        ("urge_to_contact", "utter_form_ack_urge_to_contact"),
        ("checking_their_profile", "utter_form_ack_checking_their_profile"),
    ],
)
async def test_a_feeling_or_urge_given_as_an_answer_is_kept_and_acknowledged(
    intent, acknowledgement, dispatcher, domain
):
    text = "that i feel like nobody gets it"
    tracker = make_tracker(
        slots={"unmet_need": text, "requested_slot": "unmet_need"},
        events=slot_candidates(unmet_need=text),
        intent=intent,
        active_loop="self_love_form",
    )
    events = await ValidateSelfLoveForm().run(dispatcher, tracker, domain)
    assert as_dict(events) == {"unmet_need": text}
    assert responses_sent(dispatcher) == [acknowledgement]
    assert acknowledgement in domain["responses"]


async def test_an_answer_kept_despite_a_reading_of_risk_says_help_is_there(dispatcher, domain):
    text = "tomorrow i'll go to the farmers market and buy myself flowers"
    events = await ValidateAcceptanceForm().run(
        dispatcher, waiting_for_within_reach(text, "unclear_risk"), domain
    )
    assert as_dict(events)["within_reach"] == text
    assert [m["response"] for m in dispatcher.messages] == ["utter_form_ack_help_is_here"]


async def test_an_answer_the_classifier_is_unsure_is_abuse_is_kept_with_help_in_reach(
    dispatcher, domain
):
    text = "trying to make him understand how much he hurt me"
    unsure = waiting_for_within_reach(text, "abuse")
    unsure.latest_message["intent"]["confidence"] = 0.61
    events = await ValidateAcceptanceForm().run(dispatcher, unsure, domain)
    assert as_dict(events)["within_reach"] == text
    assert [m["response"] for m in dispatcher.messages] == ["utter_form_ack_if_unsafe"]


async def test_abuse_the_classifier_is_sure_of_interrupts_the_reflection(dispatcher, domain):
    sure = waiting_for_within_reach("he goes through my phone every night", "abuse")
    sure.latest_message["intent"]["confidence"] = 0.95
    events = await ValidateAcceptanceForm().run(dispatcher, sure, domain)
    assert "within_reach" not in as_dict(events)


async def test_a_plain_answer_gets_no_acknowledgement(dispatcher, domain):
    tracker = make_tracker(
        slots={"care_act": "a long bath", "requested_slot": "care_act"},
        events=slot_candidates(care_act="a long bath"),
        intent="share_reflection",
        active_loop="self_love_form",
    )
    await ValidateSelfLoveForm().run(dispatcher, tracker, domain)
    assert dispatcher.messages == []


async def test_slots_of_other_forms_are_left_alone(dispatcher, domain):
    tracker = make_tracker(
        slots={"situation": "they_blocked_me", "urge_plan": "call my sister"},
        events=slot_candidates(situation="they_blocked_me", urge_plan="call my sister"),
        active_loop="boundary_form",
    )
    events = await ValidateBoundaryForm().run(dispatcher, tracker, domain)
    assert as_dict(events) == {"urge_plan": "call my sister"}


def test_every_validator_is_named_after_a_form_in_the_domain(domain):
    for validator in (ValidateAcceptanceForm(), ValidateSelfLoveForm(), ValidateBoundaryForm()):
        assert validator.form_name() in domain["forms"]
        assert validator.name() in domain["actions"]


def waiting_for_within_reach(text, intent):
    """The acceptance reflection waiting on its third question; the slot mapping skipped the
    message for its intent, so there is no candidate, only the message."""
    return make_tracker(
        slots={"within_reach": None, "requested_slot": "within_reach"},
        events=[{"event": "user", "text": text}],
        intent=intent,
        text=text,
        active_loop="acceptance_form",
    )


# An answer misread as an interruption is kept as the answer; a real interruption fills
# nothing, so the form is rejected and the interruption rules answer it.
@pytest.mark.parametrize(
    "text, intent, kept",
    [
        ("i can't control what he does", "help", True),
        ("i want to journal more instead of scrolling", "request_journal_prompt", True),
        ("not knowing why he left", "ask_why_they_ran", True),
        ("thanks to him i've stopped trusting myself", "thank", True),
        ("i want to stop checking his page", "stop", True),
        ("give me a journal prompt", "request_journal_prompt", False),
        ("thank you", "thank", False),
        ("goodnight ember", "goodbye", False),  # people say goodbye to Ember by name
        ("thanks ember x", "thank", False),
        ("can we stop", "stop", False),
        ("why did he run?", "ask_why_they_ran", False),
        ("that he is gone and i want to die", "crisis", False),
        ("actually can we stop, i'm not up for this right now", "stop", False),
        ("can we stop here please? i need to get ready for work", "stop", False),
        ("wait, is this an actual person reading this?", "bot_challenge", False),
        ("honestly i can't do this anymore", "unclear_risk", False),
        ("for good. this is the end of it", "unclear_risk", True),
        ("the not knowing. im dying inside every time i open the app", "unclear_risk", True),
        ("that our story is only dead if i stop hoping", "unclear_risk", True),
        ("wait are you a real person", "bot_challenge", False),
        ("can you show me what ive written so far", "show_my_reflections", False),
        ("thank you, that's enough for tonight", "thank", False),
        ("ok i'm done for tonight, thanks", "goodbye", False),
        ("i'm done waiting for him, thanks to the silence", "goodbye", True),
    ],
)
async def test_a_message_interrupts_only_when_its_words_say_so(
    text, intent, kept, dispatcher, domain
):
    events = await ValidateAcceptanceForm().run(
        dispatcher, waiting_for_within_reach(text, intent), domain
    )
    assert as_dict(events).get("within_reach") == (text if kept else None)
    assert ("within_reach" in as_dict(events)) is kept


async def test_asking_for_a_reflection_again_is_not_taken_as_the_answer(dispatcher, domain):
    text = "help me set a boundary"
    tracker = make_tracker(
        slots={"pull_trigger": text, "requested_slot": "pull_trigger"},
        events=slot_candidates(pull_trigger=text),
        intent="request_boundaries",
        text=text,
        active_loop="boundary_form",
    )
    events = await ValidateBoundaryForm().run(dispatcher, tracker, domain)
    assert as_dict(events) == {"pull_trigger": None}


async def test_an_answer_that_says_nothing_yet_is_asked_again_gently_once(dispatcher, domain):
    first = make_tracker(
        slots={"hardest_part": "idk", "requested_slot": "hardest_part"},
        events=slot_candidates(hardest_part="idk"),
        active_loop="acceptance_form",
    )
    events = await ValidateAcceptanceForm().run(dispatcher, first, domain)
    assert as_dict(events) == {"hardest_part": None, "rephrasing": "hardest_part"}
    gentler = [
        v
        for v in domain["responses"]["utter_ask_acceptance_form_hardest_part"]
        if {"type": "slot", "name": "rephrasing", "value": "hardest_part"} in v.get("condition", [])
    ]
    assert gentler, "the question needs a gentler variation for the second asking"

    second = make_tracker(
        slots={
            "hardest_part": "i don't know",
            "requested_slot": "hardest_part",
            "rephrasing": "hardest_part",
        },
        events=slot_candidates(hardest_part="i don't know"),
        active_loop="acceptance_form",
    )
    events = await ValidateAcceptanceForm().run(dispatcher, second, domain)
    kept = as_dict(events)
    assert kept["rephrasing"] is None
    assert kept["hardest_part"] and "know" not in kept["hardest_part"]  # never mirrored as "idk"


async def test_starting_fresh_clears_the_earlier_answers_once(dispatcher, domain):
    earlier = {"hardest_part": "the silence", "outside_control": "his choices"}
    beginning = make_tracker(
        slots={**earlier, "start_over": "yes", "requested_slot": None},
        events=slot_candidates(**earlier),
        intent="request_acceptance",
        active_loop="acceptance_form",
    )
    events = await ValidateAcceptanceForm().run(dispatcher, beginning, domain)
    assert as_dict(events) == {
        "hardest_part": None,
        "outside_control": None,
        "within_reach": None,
        "letting_go": None,
        "start_over": None,
    }

    # With nothing to clear, the request is spent on the first answer, which is kept.
    first_answer = make_tracker(
        slots={"hardest_part": "mornings", "start_over": "yes", "requested_slot": "hardest_part"},
        events=slot_candidates(hardest_part="mornings"),
        active_loop="acceptance_form",
    )
    events = await ValidateAcceptanceForm().run(dispatcher, first_answer, domain)
    assert as_dict(events) == {"start_over": None, "hardest_part": "mornings"}
