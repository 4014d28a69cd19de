"""Slot names that code on both sides of the action server reads or writes."""

# Set by action_delete_my_data; the Rasa server's tracker store erases the conversation
# when it sees it (ember/server/stores/tracker.py).
ERASE_SLOT = "erase_conversation"

# The person's country (ISO code, or "other"): picks the crisis and support contacts.
COUNTRY_SLOT = "country"
