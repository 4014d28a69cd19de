import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from ember.server.nlu.channel_country import CountryFromMetadata, country_from_metadata


@pytest.mark.parametrize(
    "metadata, code",
    [
        ({"country": "gb"}, "GB"),
        ({"country": " US "}, "US"),
        ({"country": "United Kingdom"}, None),
        ({"country": 44}, None),
        ({}, None),
        (None, None),
        ("GB", None),
    ],
)
def test_only_a_two_letter_code_is_taken(metadata, code):
    assert country_from_metadata(metadata) == code


def test_metadata_becomes_a_country_entity():
    message = Message(data={TEXT: "hi", "metadata": {"country": "nz"}})
    CountryFromMetadata().process([message])
    assert message.get(ENTITIES) == [{"entity": "country", "value": "NZ", "extractor": "metadata"}]


def test_a_country_named_in_the_message_wins():
    said = {"entity": "country", "value": "IE", "start": 10, "end": 17}
    message = Message(data={TEXT: "i live in ireland", "metadata": {"country": "GB"}})
    message.set(ENTITIES, [said])
    CountryFromMetadata().process([message])
    assert message.get(ENTITIES) == [said]
