"""NLU component: tag each message with the language it is written in.

Adds a ``detected_language`` entity when the text alone tells (see translations.detect; Han text
with no character only Chinese or only Japanese writes and no Chinese grammar word does not tell);
the ``language`` slot takes it unless the resident asked for a language explicitly
(the ``language`` entity of ``switch_language``, mapped first in domain.yml). Text in a language
we do not serve (Korean, Russian, ...) is tagged ``en`` (answered in English) and the entity's
``written_language`` keeps the real code, for actions that add a note and flag the ticket.
"""

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.input_guard import StatelessComponent
from translations.detect import detect

ENTITY = "detected_language"
AMBIGUOUS_HAN = "han"  # translations.detect's reason for Han text without a character only one language has
# Words Chinese sentences carry and Japanese ones (which would carry kana) do not: with one of them, Han text is
# Chinese; without, it is a name or an address both languages write.
CHINESE_GRAMMAR = re.compile(r"[的了是在有我你他她们不没吗呢吧啊很也都就要会这那个说把被给让]")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageDetector(StatelessComponent):
    """Script rules and langdetect; no training."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            found = detect(text)
            # Han characters both languages write ("北京市海淀区万泉河路68号", an address typed by a Japanese
            # resident) do not tell: the conversation's language stays.
            if found is None or (found.reason == AMBIGUOUS_HAN and not CHINESE_GRAMMAR.search(text)):
                continue
            entity = {"entity": ENTITY, "value": found.language.value, "start": 0, "end": len(text),
                      "confidence": found.confidence, "written_language": found.code,
                      "extractor": self.__class__.__name__, "processors": [found.reason]}
            message.set(ENTITIES, [*message.get(ENTITIES, []), entity], add_to_output=True)
        return messages
