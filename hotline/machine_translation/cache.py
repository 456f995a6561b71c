"""Translations already made, in the ticket database (table ``translation_cache``).

In the database rather than Redis: the worker and the notifier already hold a connection to it,
entries survive restarts and Redis eviction, and they are few (one per distinct text segment
and model). The key includes the package version, so a new model is not served old output.
"""

import hashlib
from datetime import datetime, timezone

from sqlalchemy.exc import IntegrityError

from hotline.db import Database
from hotline.domain.models import TranslationCacheEntry


def cache_key(model: str, source: str, target: str, text: str) -> str:
    return hashlib.sha256("\x1f".join((model, source, target, text)).encode("utf-8")).hexdigest()


class TranslationCache:
    """get/put by (model, source, target, text)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, model: str, source: str, target: str, text: str) -> str | None:
        with self.db.read() as session:
            entry = session.get(TranslationCacheEntry, cache_key(model, source, target, text))
            return entry.translation if entry is not None else None

    def put(self, model: str, source: str, target: str, text: str, translation: str) -> None:
        entry = TranslationCacheEntry(key=cache_key(model, source, target, text), source_language=source,
                                      target_language=target, translation=translation,
                                      created_at=datetime.now(timezone.utc))
        try:
            with self.db.write() as session, session.begin():
                session.merge(entry)
        except IntegrityError:  # another process stored the same translation first
            pass
