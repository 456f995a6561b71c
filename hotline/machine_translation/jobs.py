"""Translation jobs: an appeal into Chinese for operators, an operator's note into the resident's language."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import or_, select

from bot.lang import Lang
from hotline.db import Database
from hotline.domain.models import Ticket
from hotline.domain.privacy import public_text
from hotline.machine_translation.translator import NoRoute, Translation, Translator
from translations.detect import detect_language

log = logging.getLogger(__name__)
OPERATOR_LANGUAGE = Lang.ZH.value
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def written_language(ticket: Ticket) -> str:
    """The language the appeal is written in: as filed for unserved languages, else detected
    with the conversation's language as context (an Open311 client may file English as ``zh``)."""
    if ticket.source_language:
        return ticket.source_language
    return detect_language(ticket.description, context=Lang.parse(ticket.language, default=Lang.ZH)).code


def translate_ticket(db: Database, translator: Translator, service_request_id: str, *,
                     clock: Clock = _now) -> str:
    """Translate one ticket's appeal into Chinese, or flag it for a multilingual operator.

    Idempotent: a ticket already translated, flagged or written in Chinese is left alone.

    Returns:
        "translated", "needs_multilingual_operator", "not_needed", "done_before" or "missing".
    """
    with db.read() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.service_request_id == service_request_id)).first()
    if ticket is None:
        return "missing"
    if ticket.translation is not None or ticket.needs_multilingual_operator or ticket.source_language == "zh":
        return "done_before"
    source = written_language(ticket)
    result: Translation | None = None
    if source != OPERATOR_LANGUAGE:
        try:
            result = translator.translate(ticket.description, source=source, target=OPERATOR_LANGUAGE)
        except NoRoute:
            log.info("translation: no model for %s -> zh; %s needs a multilingual operator", source, service_request_id)
        except Exception:  # a broken model must not stop the queue: a person reads it instead
            log.exception("translation of %s failed; flagged for a multilingual operator", service_request_id)
    with db.write() as session, session.begin():
        row = session.get(Ticket, ticket.id)
        assert row is not None
        row.source_language = source
        if source == OPERATOR_LANGUAGE:
            return "not_needed"
        if result is None:
            row.needs_multilingual_operator = True
            return "needs_multilingual_operator"
        row.translation, row.translation_language = result.text, OPERATOR_LANGUAGE
        row.machine_translated, row.translated_at = True, clock()
        row.public_text = public_text(row)
        return "translated"


def untranslated_ids(db: Database, limit: int = 200) -> list[str]:
    """Tickets no job has looked at yet (filed while no worker ran, or before this feature)."""
    query = (select(Ticket.service_request_id)
             .where(Ticket.translation.is_(None), Ticket.needs_multilingual_operator.is_(False),
                    or_(Ticket.source_language.is_(None), Ticket.source_language != OPERATOR_LANGUAGE))
             .order_by(Ticket.id).limit(limit))
    with db.read() as session:
        return list(session.scalars(query))


@dataclass(frozen=True)
class NoteTranslation:
    text: str
    language: str
    machine_translated: bool


def translate_note(translator: Translator, note: str, *, note_language: str, resident_language: str) -> NoteTranslation:
    """An operator's note in the resident's language, for a notification (cached by the translator).

    Falls back to the note as written when no model can translate it: the caller decides
    whether to send it with a short "translation unavailable" line or not at all.
    """
    if not note or note_language == resident_language:
        return NoteTranslation(note, note_language, machine_translated=False)
    try:
        result = translator.translate(note, source=note_language, target=resident_language)
    except NoRoute:
        return NoteTranslation(note, note_language, machine_translated=False)
    except Exception:  # a notification must still go out
        log.exception("translating a note %s -> %s failed; sending it as written", note_language, resident_language)
        return NoteTranslation(note, note_language, machine_translated=False)
    return NoteTranslation(result.text, resident_language, machine_translated=True)
