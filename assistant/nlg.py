"""Rasa NLG that answers in the conversation's language (the ``language`` slot).

Configured in endpoints.yml as ``nlg: type: assistant.nlg.TranslatedNLG``. Actions and
rules speak in response names; this class turns a name into text from the catalogue.
"""

import logging
from typing import Any

from rasa.core.nlg.generator import NaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from assistant import speedups
from bot.lang import Lang
from translations.catalog import Catalog, load_catalog

logger = logging.getLogger(__name__)


class TranslatedNLG(NaturalLanguageGenerator):
    """Responses from ``translations/`` in zh, en or ja, filled from slots and action parameters."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None,
                 catalog: Catalog | None = None) -> None:
        self.catalog = catalog or load_catalog()
        if not speedups.applied():
            logger.warning("The assistant was not started with `python -m assistant run`: the speed fixes are off and "
                           "the WeChat and Telegram channels are on only if the credentials file names them.")

    async def generate(self, utter_action: str, tracker: DialogueStateTracker, output_channel: str,
                       **kwargs: Any) -> dict[str, Any] | None:
        language = Lang.parse(tracker.get_slot("language"), default=Lang.ZH).value
        slots = {name: slot.value for name, slot in tracker.slots.items()}
        return self.catalog.render(utter_action, language, {**slots, **kwargs})
