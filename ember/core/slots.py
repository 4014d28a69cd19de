"""Slot names that code on both sides of the action server reads or writes."""

from __future__ import annotations

from ember.core.journal import REFLECTION_SLOTS

# Set by action_delete_my_data; the Rasa server's tracker store erases the conversation
# when it sees it (ember/server/stores/tracker.py).
ERASE_SLOT = "erase_conversation"

# The person's country (ISO code, or "other"): picks the crisis and support contacts.
COUNTRY_SLOT = "country"

# Whether the person chose to be remembered between visits: None (never asked), "yes", "no".
CONSENT_SLOT = "remember_consent"
CHECKINS_SLOT = "mood_checkins"
PROGRESS_SLOT = "boundary_progress"

# What a person wrote or counted with Ember: the reflections' answers, the safety plan, the
# check-ins and the boundary's count.
KEPT_ONLY_WITH_CONSENT = frozenset(
    {
        *(slot for headings in REFLECTION_SLOTS.values() for slot in headings),
        CHECKINS_SLOT,
        PROGRESS_SLOT,
    }
)


def carried_into_next_session(slot: str, consent: str | None) -> bool:
    """After "no" to remembering, what the person wrote ends with the session (Rasa carries
    every slot over otherwise). Never asked keeps Rasa's behaviour."""
    return consent != "no" or slot not in KEPT_ONLY_WITH_CONSENT
