"""The appeal form: what happened, where, which category (with the backend's suggestions),
the category's required questions, optional contact with consent, and a confirmation."""

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import checked_phone, checked_text, is_payload
from actions.categories import required_attributes, service_names, suggest
from actions.conversation import language_of, latest_entity, shared_location, written_language
from actions.other_language import note_other_language
from actions.texts import fragment

MAX_DESCRIPTION, MAX_LOCATION = 2000, 500
MIN_SUGGESTION_CONFIDENCE = 0.5
FIELDS = {"description": "appeal_description", "location": "appeal_location", "category": "appeal_category"}
ORDINALS = (("1", "一", "first", "最初", "一番", "一つ"), ("2", "二", "second", "二番", "二つ"),
            ("3", "三", "third", "三番", "三つ"))


def _ordinal(text: str) -> int | None:
    lowered = text.lower()
    for index, words in enumerate(ORDINALS):
        if any(word in lowered for word in words):
            return index
    return None


async def next_required_attribute(tracker: Tracker) -> dict[str, Any] | None:
    """The chosen category's first required question not answered yet, if any."""
    code = tracker.get_slot("appeal_category")
    if not code:
        return None
    answered = tracker.get_slot("appeal_attributes") or {}
    wanted = await required_attributes(code, language_of(tracker))
    return next((a for a in wanted if a["code"] not in answered), None)


class ValidateAppealForm(FormValidationAction):
    """Checks each answer; a correction clears the field it names so the form asks again."""

    def name(self) -> str:
        return "validate_appeal_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        slots = list(domain_slots)
        if tracker.get_slot("contact_consent") is False:
            slots.remove("contact_phone")
        if not await next_required_attribute(tracker):
            slots.remove("appeal_attribute")
        return slots

    def validate_appeal_description(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        text = checked_text(value, dispatcher, max_chars=MAX_DESCRIPTION)
        # Written in a language we do not serve: the ticket says which (the backend flags it).
        noted = {event["name"]: event["value"] for event in note_other_language(dispatcher, tracker)}
        written = {"appeal_written_language": written_language(tracker)} if text else {}
        return {"appeal_description": text, **written, **noted}

    async def extract_appeal_location(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        """A shared location fills (or replaces) the place, at any step of the form."""
        shared = shared_location(tracker)
        return {"appeal_location": shared[2]} if shared else {}

    def validate_appeal_location(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> dict[str, Any]:
        text = str(value or "").strip()
        if is_payload(text):
            return {"appeal_location": None}
        if not text or len(text) > MAX_LOCATION:
            dispatcher.utter_message(response="msg_bad_input_too_long", max_chars=MAX_LOCATION)
            return {"appeal_location": None}
        shared = shared_location(tracker)
        if shared:
            return {"appeal_location": text, "appeal_latitude": shared[0], "appeal_longitude": shared[1]}
        # Typed in words: coordinates shared earlier no longer describe this place.
        return {"appeal_location": text, "appeal_latitude": None, "appeal_longitude": None}

    async def validate_appeal_category(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        text, language = str(value or "").strip(), language_of(tracker)
        if is_payload(text):  # another question's button
            return {"appeal_category": None}
        known = await service_names(language)
        if text in known:
            return {"appeal_category": text, "appeal_attributes": {}}
        options = tracker.get_slot("category_options") or []
        index = _ordinal(text) if len(text) <= 12 else None
        if index is not None and index < len(options):
            return {"appeal_category": options[index], "appeal_attributes": {}}
        best = await suggest(text, language, limit=1)  # the resident named a category in their own words
        if best and best[0].confidence >= MIN_SUGGESTION_CONFIDENCE:
            return {"appeal_category": best[0].service_code, "appeal_attributes": {}}
        return {"appeal_category": None}

    async def validate_appeal_attribute(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> dict[str, Any]:
        attribute = await next_required_attribute(tracker)
        if attribute is None:
            return {"appeal_attribute": None}
        text = str(value or "").strip()
        keys = [v["key"] for v in attribute.get("values", [])]
        if keys and text not in keys:
            index = _ordinal(text)
            text = keys[index] if index is not None and index < len(keys) else ""
        if not text or len(text) > 500:
            return {"appeal_attribute": None}
        answered = {**(tracker.get_slot("appeal_attributes") or {}), attribute["code"]: text}
        # Reset the slot so the form asks the next required question, if any.
        return {"appeal_attributes": answered, "appeal_attribute": None}

    def validate_contact_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        return {"contact_phone": checked_phone(value, dispatcher)}

    def validate_appeal_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        if value is True:
            return {"appeal_confirmed": True}
        field = latest_entity(tracker, "field")
        if field not in FIELDS:
            dispatcher.utter_message(response="msg_appeal_not_understood_field")
            return {"appeal_confirmed": None}
        cleared: dict[str, Any] = {FIELDS[field]: None, "appeal_confirmed": None}
        if field == "category":
            cleared.update(appeal_attributes={}, appeal_attribute=None)
        return cleared


class ActionAskAppealCategory(Action):
    """Offers the backend's top-3 categories for the description as buttons."""

    def name(self) -> str:
        return "action_ask_appeal_category"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = language_of(tracker)
        suggestions = await suggest(tracker.get_slot("appeal_description") or "", language)
        if not suggestions and tracker.get_slot("requested_slot") == "appeal_category":
            # Nothing from the description (a language we do not serve, say): the resident's own
            # words for the category, not confident enough to take, still give choices.
            suggestions = await suggest(str((tracker.latest_message or {}).get("text") or ""), language)
        buttons = [{"title": s.service_name, "payload": f'/choose_category{{"appeal_category": "{s.service_code}"}}'}
                   for s in suggestions]
        dispatcher.utter_message(response="msg_ask_appeal_category", buttons=buttons, suggestions_hint="")
        return [SlotSet("category_options", [s.service_code for s in suggestions])]


class ActionAskAppealAttribute(Action):
    """Asks the chosen category's next required question, with its choices as buttons."""

    def name(self) -> str:
        return "action_ask_appeal_attribute"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        attribute = await next_required_attribute(tracker)
        if attribute is None:
            return []
        buttons = [{"title": v["name"], "payload": f'/inform_attribute{{"appeal_attribute": "{v["key"]}"}}'}
                   for v in attribute.get("values", [])]
        dispatcher.utter_message(response="msg_ask_appeal_attribute", question=attribute["description"],
                                 buttons=buttons)
        return []


class ActionAskAppealConfirmed(Action):
    """Shows the summary and asks to file, correct a field, or cancel."""

    def name(self) -> str:
        return "action_ask_appeal_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = language_of(tracker)
        code = tracker.get_slot("appeal_category") or ""
        category = (await service_names(language)).get(code, code)
        phone = tracker.get_slot("contact_phone") if tracker.get_slot("contact_consent") else None
        contact = phone or fragment("text_no_contact", language)
        dispatcher.utter_message(response="msg_confirm_appeal", description=tracker.get_slot("appeal_description"),
                                 location=tracker.get_slot("appeal_location"), category=category, contact=contact)
        return []

