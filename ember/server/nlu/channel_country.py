"""Lets a channel say where the person is: `metadata.country` becomes a `country` entity.

A web page or app that knows the person's country (from its own settings, never from
tracking) can pass it with each message, so crisis and support contacts are local from
the first reply. A country the person names in their message always wins.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message

from ember.server.nlu.stateless_component import StatelessComponent

COUNTRY_ENTITY = "country"
ISO_CODE = re.compile(r"^[A-Za-z]{2}$")


def country_from_metadata(metadata: Any) -> str | None:
    """The ISO 3166-1 alpha-2 code in `metadata.country`, upper-cased, or None."""
    if not isinstance(metadata, dict):
        return None
    code = metadata.get(COUNTRY_ENTITY)
    if isinstance(code, str) and ISO_CODE.match(code.strip()):
        return code.strip().upper()
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class CountryFromMetadata(StatelessComponent, EntityExtractorMixin):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            if any(entity.get("entity") == COUNTRY_ENTITY for entity in entities):
                continue
            code = country_from_metadata(message.get("metadata"))
            if code:
                entity = {"entity": COUNTRY_ENTITY, "value": code, "extractor": "metadata"}
                message.set(ENTITIES, entities + [entity], add_to_output=True)
        return messages
