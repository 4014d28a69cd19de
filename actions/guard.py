"""No action failure reaches the person as silence or a stack trace.

A bug or an unexpected input in an action would otherwise make the action server answer
500 and leave the person without a reply. Guarded actions log the failure without any of
the person's words (an exception's message can quote them) and answer kindly instead.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection

logger = logging.getLogger(__name__)

Run = Callable[[Any, CollectingDispatcher, Tracker, dict[str, Any]], Awaitable[list]]


def answers_kindly_on_failure(run: Run) -> Run:
    @functools.wraps(run)
    async def guarded(
        action: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list:
        try:
            return await run(action, dispatcher, tracker, domain)
        except ActionExecutionRejection:
            raise  # Rasa's own signal to let another policy answer, not a failure
        except Exception as error:  # noqa: BLE001 - any failure must still get a kind reply
            logger.error("%s failed with %s", action.name(), type(error).__name__)
            logger.debug("%s traceback", action.name(), exc_info=True)
            dispatcher.messages.clear()  # a half-finished answer would only confuse
            dispatcher.utter_message(response="utter_something_went_wrong")
            return []

    guarded.answers_kindly_on_failure = True  # type: ignore[attr-defined]
    return guarded
