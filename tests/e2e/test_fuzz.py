"""Property-based fuzzing of the REST webhook: the server stays up and answers valid messages."""

import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ember.core.conversation_id import is_random_sender_id

pytestmark = pytest.mark.e2e

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
json_values = st.recursive(
    scalars | st.text(max_size=50),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)
# Random ids, as callers without the API token must send, and anything else a client might.
senders = st.uuids(version=4).map(str) | st.text(min_size=1, max_size=140)
payloads = st.one_of(
    st.fixed_dictionaries(
        {"sender": senders, "message": st.text(max_size=300)},
        optional={"metadata": st.dictionaries(st.text(max_size=10), json_values, max_size=3)},
    ),
    st.fixed_dictionaries({"sender": json_values, "message": json_values}),
    json_values,
)


def is_valid(payload) -> bool:
    return (
        isinstance(payload, dict)
        and is_random_sender_id(payload.get("sender"))
        and isinstance(payload.get("message"), str)
        and isinstance(payload.get("metadata", {}), dict)
    )


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same 60 payloads in every run, so a failure can be reproduced
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payload=payloads)
def test_every_payload_gets_a_4xx_or_a_reply(ember, payload):
    response = requests.post(
        f"{ember.base_url}/webhooks/rest/webhook",
        data=json.dumps(payload),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    if is_valid(payload):
        assert response.status_code == 200, response.text
        assert response.json(), f"no reply to {payload!r}"
    else:
        assert response.status_code == 400, response.text


def test_the_server_is_still_up_after_fuzzing(ember):
    assert requests.get(ember.base_url, timeout=10).ok
