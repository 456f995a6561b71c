"""Build the translator with its real adapters (the worker and the notifier call this once)."""

import functools

from bot.gazetteer import load_gazetteer
from hotline.config import Settings
from hotline.db import Database
from hotline.machine_translation.cache import TranslationCache
from hotline.machine_translation.engine import ArgosEngine
from hotline.machine_translation.glossary import Glossary
from hotline.machine_translation.translator import Translator


def build_translator(settings: Settings, db: Database) -> Translator:
    """Argos Translate over ``settings.argos_packages_dir``, the gazetteer's glossary, the database cache.

    The database must be migrated (the backend does it at start).
    """
    return Translator(ArgosEngine(settings.argos_packages_dir), TranslationCache(db),
                      Glossary.for_gazetteer(load_gazetteer(settings.data_dir)))


@functools.cache
def process_translator() -> Translator:
    """One translator per process, from the environment's settings (for ``translate_note``)."""
    from hotline.config import load_settings

    settings = load_settings()
    return build_translator(settings, Database(settings.database_url))
