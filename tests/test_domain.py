"""Checks over every response Ember can say: the never-list, and references that must resolve."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from ember.core.never_list import NEVER_LIST, violations
from tests.helpers import PROJECT_ROOT


def all_texts(domain) -> Iterator[tuple[str, str]]:
    for name, variations in domain["responses"].items():
        for variation in variations:
            yield name, variation.get("text", "")
            for button in variation.get("buttons", []):
                yield name, button["title"]


@pytest.mark.parametrize("rule", sorted(NEVER_LIST))
def test_no_response_breaks_the_never_list(domain, rule):
    hits = [
        (name, match, text[:120])
        for name, text in all_texts(domain)
        for broken, match in violations(text)
        if broken == rule
    ]
    assert hits == [], f"{rule}: {hits}"


@pytest.mark.parametrize(
    "text",
    [
        "Don't worry, he will come back to you soon.",
        "Your union is coming, trust the process.",
        "Why not text him tonight and see?",
        "He sounds like a narcissist.",
        "It would take 20 pills.",
        "Book a coaching session for $49.",
    ],
)
def test_the_never_list_catches_what_it_is_meant_to(text):
    assert violations(text)


def test_button_payloads_name_real_intents(domain):
    intents = set(domain["intents"])
    for name, variations in domain["responses"].items():
        for variation in variations:
            for button in variation.get("buttons", []):
                intent = re.match(r"/(\w+)", button["payload"]).group(1)
                assert intent in intents, f"{name}: {button}"


def test_templates_name_real_slots_or_values_an_action_passes(domain):
    slots = set(domain["slots"])
    action_source = "".join(p.read_text() for p in (PROJECT_ROOT / "actions").glob("*.py"))
    for name, text in all_texts(domain):
        for template in re.findall(r"{(\w+)}", text):
            passed = re.search(rf'response="{name}",\s*{template}=', action_source)
            assert template in slots or passed, f"{name} uses unknown slot {{{template}}}"


REFLECTIONS = ("acceptance_form", "self_love_form", "boundary_form")


def test_the_first_prompt_of_each_form_adapts_to_every_situation(domain):
    situations = set(domain["slots"]["situation"]["values"])
    for form in REFLECTIONS:
        first = f"utter_ask_{form}_{domain['forms'][form]['required_slots'][0]}"
        conditioned = {
            condition["value"]
            for variation in domain["responses"][first]
            for condition in variation.get("condition", [])
            if condition["name"] == "situation"
        }
        assert conditioned == situations, first
        assert any("condition" not in v for v in domain["responses"][first]), first


def test_every_form_prompt_and_summary_exists(domain):
    checkin = domain["forms"]["mood_checkin_form"]["required_slots"]
    # The check-in has no summary: its two answers become one dated check-in.
    assert all(f"utter_ask_mood_checkin_form_{slot}" in domain["responses"] for slot in checkin)
    for form, spec in domain["forms"].items():
        if form == "mood_checkin_form":
            continue
        assert form in REFLECTIONS or form == "safety_plan_form"
        topic = form.removesuffix("_form")
        for slot in spec["required_slots"]:
            assert f"utter_ask_{form}_{slot}" in domain["responses"]
            assert f"{{{slot}}}" in "".join(
                v["text"] for v in domain["responses"][f"utter_{topic}_summary"]
            ), f"the {topic} summary does not mirror {slot}"


def test_ember_says_it_is_an_ai_and_not_a_therapist(domain):
    for name in ("utter_ai_notice", "utter_iamabot"):
        for variation in domain["responses"][name]:
            text = variation["text"].lower()
            assert "ai" in re.findall(r"\b\w+\b", text), name
            assert "not a therapist" in text or "not a human and not a therapist" in text, name


FREQUENT_RESPONSES = [
    "utter_greet",
    "utter_goodbye",
    "utter_thank",
    "utter_just_talk",
    "utter_out_of_scope",
    "utter_they_stopped_replying",
    "utter_they_blocked_me",
    "utter_i_blocked_them",
    "utter_they_are_with_someone_else",
    "utter_hot_and_cold",
    "utter_they_reached_out",
    "utter_i_am_the_runner",
    "utter_they_ended_it",
    "utter_urge_to_contact",
    "utter_checking_their_profile",
    "utter_why_they_ran",
    "utter_will_they_come_back",
    "utter_feeling_heartbroken",
    "utter_feeling_anxious",
    "utter_feeling_angry",
    "utter_feeling_lonely",
    "utter_blaming_myself",
    "utter_feeling_better",
    "utter_offer_paths",
]


@pytest.mark.parametrize("name", FREQUENT_RESPONSES)
def test_frequent_responses_have_several_variations(domain, name):
    assert len(domain["responses"][name]) >= 2


def test_rules_and_stories_only_use_known_responses_and_actions(domain):
    known = (
        set(domain["responses"])
        | set(domain["actions"])
        | set(domain["forms"])
        | {"action_deactivate_loop", "action_listen"}
    )
    for path in Path(PROJECT_ROOT, "data").rglob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in (data.get("rules") or []) + (data.get("stories") or []):
            for step in block.get("steps", []):
                if "action" in step:
                    assert step["action"] in known, f"{path.name}: {step['action']}"


def test_the_reflections_skip_exactly_the_intents_that_may_interrupt(domain):
    from ember.core.reflection_replies import INTERRUPTING_INTENTS

    for form in ("acceptance_form", "self_love_form", "boundary_form"):
        for slot in domain["forms"][form]["required_slots"]:
            [mapping] = domain["slots"][slot]["mappings"]
            assert set(mapping["not_intent"]) == INTERRUPTING_INTENTS, slot
