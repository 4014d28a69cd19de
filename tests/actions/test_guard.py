import importlib
import logging
import pkgutil

import pytest
from rasa_sdk import Action
from rasa_sdk.interfaces import ActionExecutionRejection
from rasa_sdk.utils import all_subclasses

import actions
from actions.guard import answers_kindly_on_failure
from tests.helpers import make_tracker, responses_sent

PRIVATE_WORDS = "my secret words about him"


class Broken(Action):
    """Not registered with the action server: it lives in the tests package."""

    def name(self) -> str:
        return "action_broken_for_test"

    @answers_kindly_on_failure
    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="half an answer")
        raise ValueError(tracker.latest_message["text"])


class Rejecting(Action):
    def name(self) -> str:
        return "action_rejecting_for_test"

    @answers_kindly_on_failure
    async def run(self, dispatcher, tracker, domain):
        raise ActionExecutionRejection(self.name())


async def test_a_failing_action_answers_kindly_and_logs_no_user_words(dispatcher, caplog):
    caplog.set_level(logging.INFO)
    events = await Broken().run(dispatcher, make_tracker(text=PRIVATE_WORDS), {})
    assert events == []
    assert responses_sent(dispatcher) == ["utter_something_went_wrong"]
    assert "action_broken_for_test failed with ValueError" in caplog.text
    assert PRIVATE_WORDS not in caplog.text


async def test_rasa_rejections_are_not_swallowed(dispatcher):
    with pytest.raises(ActionExecutionRejection):
        await Rejecting().run(dispatcher, make_tracker(), {})


def test_every_action_of_ours_is_guarded():
    for module in pkgutil.iter_modules(actions.__path__):
        importlib.import_module(f"actions.{module.name}")
    ours = [
        cls
        for cls in all_subclasses(Action)
        if cls.__module__.startswith("actions.") and "run" in cls.__dict__
    ]
    assert len(ours) >= 6
    unguarded = [
        cls.__name__ for cls in ours if not getattr(cls.run, "answers_kindly_on_failure", False)
    ]
    assert unguarded == []


def test_the_kind_answer_exists(domain):
    assert domain["responses"]["utter_something_went_wrong"]
