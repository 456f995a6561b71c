"""The operator's note in the resident's language, when a machine translation is at hand.

The translation itself belongs to ``hotline.machine_translation`` (another piece of work); the notifier
only needs "this note in that language, or nothing", so it codes against ``TranslateNote``.
"""

import importlib
import logging
from typing import Protocol

log = logging.getLogger(__name__)


class TranslateNote(Protocol):
    def __call__(self, text: str, source: str, target: str) -> str:
        """``text`` (in ``source``) in ``target``; "" when no translation is available."""


def no_translation(text: str, source: str, target: str) -> str:
    return ""


def guarded(translate: TranslateNote) -> TranslateNote:
    """``translate``, but a failure or an unchanged text counts as no translation."""

    def call(text: str, source: str, target: str) -> str:
        if not text or source == target:
            return ""
        try:
            result = translate(text, source, target)
        except Exception:  # a translation engine must never hold up a notification
            log.exception("note translation %s->%s failed; sending the original", source, target)
            return ""
        return result if result and result.strip() != text.strip() else ""

    return call


def load_translator() -> TranslateNote:
    """``hotline.machine_translation.translate_note`` when that module provides it, else ``no_translation``."""
    try:
        module = importlib.import_module("hotline.machine_translation")
    except ImportError:
        return no_translation
    found = getattr(module, "translate_note", None)
    if not callable(found):
        return no_translation
    log.info("notes are machine-translated with hotline.machine_translation.translate_note")
    translate: TranslateNote = found
    return guarded(translate)
