"""NLU component: tag each message with the language it is written in.

Adds a ``detected_language`` entity when the text alone tells (see translations.detect);
the ``language`` slot takes it unless the resident asked for a language explicitly
(the ``language`` entity of ``switch_language``, mapped first in domain.yml). Text in a language
we do not serve (Korean, Russian, ...) is tagged ``en`` (answered in English) and the entity's
``written_language`` keeps the real code, for actions that add a note and flag the ticket.
"""

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.input_guard import StatelessComponent
from translations.detect import detect

ENTITY = "detected_language"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageDetector(StatelessComponent):
    """Script rules and langdetect; no training."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            found = detect(text)
            if found is None:
                continue
            entity = {"entity": ENTITY, "value": found.language.value, "start": 0, "end": len(text),
                      "confidence": found.confidence, "written_language": found.code,
                      "extractor": self.__class__.__name__, "processors": [found.reason]}
            message.set(ENTITIES, [*message.get(ENTITIES, []), entity], add_to_output=True)
        return messages
