"""The appeal form: what happened, where, which category (with the backend's suggestions),
the category's required questions, optional contact with consent, and a confirmation."""

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import MAX_DESCRIPTION, checked_phone, checked_text, is_payload
from actions.categories import local_suggester, required_attributes, service_names, suggest
from actions.conversation import (
    CANCEL_CONFIRMATION,
    CANCEL_PENDING,
    LOCATION_CANDIDATE,
    LOCATION_CHECK,
    gazetteer,
    is_announcement,
    is_descriptive,
    is_phone_number,
    language_of,
    latest_entity,
    shared_location,
    written_language,
)
from actions.filing import reset_appeal
from actions.other_language import note_other_language
from actions.repair import (
    DANGER_WORDING_CONFIDENCE,
    EXPLAINED,
    INTERRUPTIONS,
    MIN_INTERRUPTION_CONFIDENCE,
    REQUESTED_SLOT,
    AskQuestion,
    Kind,
    Question,
    RepairingFormValidation,
    Turn,
    ask_again,
    failures,
    is_cancel_reply,
    said_no,
    yes_or_no_of,
)
from actions.texts import fragment
from bot.attribute_words import value_in_words
from bot.gazetteer import Place
from bot.repair import (
    Correction,
    announces_correction,
    cancels_the_appeal,
    cannot_give_the_place,
    correction,
    fuller_part,
    gazetteer_form,
    holds_on,
    is_courtesy,
    is_question,
    looks_like_place,
    mentions,
    names_field,
    names_other_parts,
    place_correction,
    place_in_words,
    place_spans,
    replace_mention,
    replace_place,
)
from bot.short_replies import Reply, is_bare_reply, normalised, opening_reply, sentence_reply, short_reply
from bot.suggest import Suggestion
from bot.text import nfkc

MAX_LOCATION = 500
MIN_SUGGESTION_CONFIDENCE = 0.5
# A category named in words ("公共の場所での喫煙": 0.45, the next 0.01; "黑车拉活儿的那种": 0.12, the next 0.01) is
# also taken when no other comes close: words that name no category score alike ("其他": 0.19 vs 0.06,
# "随便吧": 0.13 vs 0.12).
MIN_CLEAR_CONFIDENCE, CLEAR_MARGIN = 0.03, 4
# Among the buttons offered, the words need only beat the other offered ones (searched in the top 10).
OFFERED_MARGIN, OPTION_SEARCH = 2, 10
# Loose words must fit some category this well (bot/suggest.py score, best leaf): "欠陥商品のことです" 0.14, "the
# banned cram school thing" 0.11, "管理会社がちゃんと仕事をしてくれないことへの苦情です" 0.11, "sign thats about to fall
# off a shop" 0.09; small talk ("今儿可真冷啊…" 0.07, "好的好的，你看着办吧" 0.03, "よくわかりません" 0.05,
# "其他" 0.08).
MIN_LOOSE_WORDS_SCORE = 0.09
# Words below that floor still choose when they and the description both rank the same category first ("the property
# management company not doing its job": 0.074 on poor property service, the description's first too): small talk
# would have to land on the description's own first leaf by chance.
MIN_AGREEING_WORDS_SCORE = 0.05
# Category buttons: on the labelled appeals (bench/data/labelled_appeals.json) the right one is among the
# first 3 suggestions for 111 of 117, among the first 5 for 115.
CATEGORY_CHOICES = 5
MAX_ORDINAL_CHARS = 24
UNKNOWN = "unknown"  # the "not sure" choice of a follow-up question
REFERRED = "emergency_referred"  # urgent reports filed beside the emergency numbers (actions/emergency.py)
FIELDS = {"description": "appeal_description", "location": "appeal_location", "category": "appeal_category"}
FIELD_OF = {slot: field for field, slot in FIELDS.items()} | {"contact_phone": "phone"}
# The form's questions as domain.yml lists them (used when a domain is not at hand, e.g. in unit tests).
FORM_SLOTS = ("appeal_description", "appeal_location", "appeal_category", "appeal_attribute", "contact_consent",
              "contact_phone", "appeal_confirmed")


def _ordinal_pattern(digit: str, numeral: str, word: str, short: str, extra: str = "") -> re.Pattern[str]:
    """The ways to say "the Nth one" of a list: a whole answer ("2", "二", "#2"), or an ordinal word anywhere
    ("the second one", "第二个", "二つ目", "2番目"); never a numeral inside other words ("二次供水", "line 2 bus")."""
    return re.compile(rf"\b({word}|{short})\b|第{numeral}|{numeral}番目|{digit}番目|{numeral}つ目|{digit}つ目{extra}"
                      rf"|^(the |number |no\.? ?|option |#)?({digit}|{numeral})(个|项|种|条|番)?[.!。！]?$",
                      re.IGNORECASE)


ORDINALS = (_ordinal_pattern("1", "一", "first", "1st", "|最初|一番上"), _ordinal_pattern("2", "二", "second", "2nd"),
            _ordinal_pattern("3", "三", "third", "3rd"))


def _ordinal(text: str) -> int | None:
    """Which of the offered choices ``text`` names by its place in the list (0-based), if it does."""
    plain = text.strip()
    for index, pattern in enumerate(ORDINALS):
        if pattern.search(plain):
            return index
    return None


def known_place(text: str) -> Place | None:
    """The district (and sub-district) ``text`` names, in Chinese, English or Japanese kanji."""
    return gazetteer().match_address(gazetteer_form(text))


_AREA_WORDS = re.compile(r"北京市?|区|县|街道|地区|镇|乡|那边|那片儿?|那块儿?|这边|附近|一带|的|吧|啊"
                         r"|です|の?あたり|辺り|周辺|ら辺"
                         r"|\b(beijing|district|sub-?district|town(ship)?|area|near|around|in|the|it'?s|its|somewhere"
                         r"|over there)\b", re.IGNORECASE)


def names_only_an_area(text: str, place: Place) -> bool:
    """Whether ``text`` names only the district or sub-district of ``place`` ("Chaoyang", "大兴那边",
    "建外のあたりです"): no street, compound, building or landmark a handling unit could go to."""
    left = gazetteer_form(text).lower()
    for area in (place.district, place.subdistrict):
        if area is None:
            continue
        for name in (area.name_zh, area.name_en):
            stem = re.sub(r"(区|街道|地区|镇|乡| district| subdistrict| area| town(ship)?)$", "", name.lower())
            left = left.replace(name.lower(), " ").replace(stem, " ") if stem else left
    return len(re.findall(r"\w", _AREA_WORDS.sub(" ", left))) < 2


def _only_yes_or_no(turn: Turn, place: str) -> bool:
    """Whether the message is a yes or a no and nothing more: "哦，地址写的是我家…麻烦改成右内西街12号楼" opens with
    an "oh" that reads as "ok", and names a street the place does not have."""
    if yes_or_no_of(turn) is None:
        return False
    if turn.reply is not None:
        return True
    return not announces_correction(turn.text) and all(mentions(place, span) for span in place_spans(turn.text))


def _other_area(new: str, old: str) -> bool:
    """Whether ``new`` names a district or sub-district other than the one ``old`` is in."""
    there, before = known_place(new), known_place(old)
    if there is None or before is None:
        return False
    return there.district.code != before.district.code or (
        there.subdistrict is not None and before.subdistrict is not None
        and there.subdistrict.code != before.subdistrict.code)


def corrected_details(answers: Any, found: Correction) -> dict[str, Any] | None:
    """The answers to the category's own questions with what a correction says was wrong replaced, or None
    when no answer mentions it."""
    if not found.old or found.adds or not isinstance(answers, dict):
        return None
    changed = {code: replace_mention(value, found.old, found.new) if isinstance(value, str)
               and mentions(value, found.old) else value for code, value in answers.items()}
    return changed if changed != answers else None


async def next_required_attribute(tracker: Tracker) -> dict[str, Any] | None:
    """The chosen category's first required question not answered yet, if any."""
    code = tracker.get_slot("appeal_category")
    if not code:
        return None
    answered = tracker.get_slot("appeal_attributes") or {}
    wanted = await required_attributes(code, language_of(tracker))
    return next((a for a in wanted if a["code"] not in answered), None)


# Words that lead to a place rather than name it: "by", "near", "east of", "在", "靠近".
_PLACE_LEAD = re.compile(r"^((just |right )?(by|near|at|on|in|next to|close to|beside|opposite|behind|outside"
                         r"|(north|south|east|west) of)\s+(the\s+)?|在|靠近|挨着)", re.IGNORECASE)


def _place_segment(place: str, old: str) -> str | None:
    """The comma-separated part of ``place`` that names what ``old`` names without its leading words ("by Yansha
    Bridge" in "Liangma River, just east of Yansha Bridge, Maizidian"); None when no part does."""
    bare = _PLACE_LEAD.sub("", old.strip()).strip()
    if not bare or bare == old.strip() or len(bare) < 3:
        return None
    return next((part.strip() for part in re.split(r"[,，、]", place) if mentions(part, bare)), None)


def _best_together(candidates: list[Suggestion], by_words: dict[str, float]) -> str | None:
    """The candidate whose description score times words score is highest; None when the words fit none."""
    fitting = max(candidates, key=lambda s: s.score * by_words.get(s.category.code, 0.0), default=None)
    return fitting.category.code if fitting is not None and by_words.get(fitting.category.code, 0.0) > 0.0 else None


class ValidateAppealForm(RepairingFormValidation):
    """Checks each answer, with repair first (actions/repair.py); corrections in the resident's own words."""

    QUESTIONS = {
        "appeal_description": Question(Kind.TEXT),
        "appeal_location": Question(Kind.PLACE),
        "appeal_category": Question(Kind.CHOICE),
        "appeal_attribute": Question(Kind.CHOICE),
        "contact_consent": Question(Kind.YES_NO, optional=True),
        "contact_phone": Question(Kind.PHONE, optional=True),
        "appeal_confirmed": Question(Kind.YES_NO),
        CANCEL_CONFIRMATION: Question(Kind.YES_NO),
        LOCATION_CHECK: Question(Kind.YES_NO),
    }
    WHY_NEEDED = {"appeal_description": "msg_required_appeal_description",
                  "appeal_location": "msg_required_appeal_location",
                  "appeal_category": "msg_required_appeal_category",
                  "appeal_attribute": "msg_required_appeal_attribute"}

    def name(self) -> str:
        return "validate_appeal_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        slots = list(domain_slots or FORM_SLOTS)
        if tracker.get_slot("contact_consent") is False:
            slots = [s for s in slots if s != "contact_phone"]
        if not await next_required_attribute(tracker):
            slots = [s for s in slots if s != "appeal_attribute"]
        if tracker.get_slot(LOCATION_CANDIDATE) and not tracker.get_slot("appeal_location"):
            slots.insert(slots.index("appeal_location"), LOCATION_CHECK)
        if tracker.get_slot(CANCEL_PENDING):
            slots.insert(0, CANCEL_CONFIRMATION)
        return slots

    # ---- repair ----

    async def before_repair(self, requested: str, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> list[EventType] | None:
        if requested == CANCEL_CONFIRMATION:
            return await self._cancel_confirmation(turn, dispatcher, tracker, domain)
        if requested == LOCATION_CHECK:
            return await self._location_check(turn, dispatcher, tracker, domain)
        if requested == "appeal_attribute" and not turn.is_payload and await self._yes_no_answer(turn, tracker):
            # "No, not this minute" to "Is anyone in immediate danger?": the answer, not a refusal to answer.
            return await self.answer(requested, turn.text, dispatcher, tracker, domain)
        if requested == "appeal_category" and not turn.is_payload and turn.intent == "emergency" \
                and turn.confidence < DANGER_WORDING_CONFIDENCE:
            # "ガスが止まっています" (the classifier alone calls it an emergency) names a category: the answer when
            # the words choose one.
            chosen = await self.validate_appeal_category(turn.text, dispatcher, tracker, domain)
            if chosen.get("appeal_category"):
                return await self.settle([SlotSet(name, value) for name, value in chosen.items()], dispatcher,
                                         tracker, domain)
        return None

    async def _yes_no_answer(self, turn: Turn, tracker: Tracker) -> bool:
        """Whether the category's question is a yes-or-no one and the message says yes or no."""
        attribute = await next_required_attribute(tracker)
        # The classifier's emergency without danger wording ("没有，现在没人出事，就是担心万一着火": 0.99) may answer.
        danger = turn.intent == "emergency" and turn.confidence >= DANGER_WORDING_CONFIDENCE
        if attribute is None or danger or turn.intent == "request_human" or cancels_the_appeal(turn.text):
            return False
        values = {str(v["key"]): str(v.get("name") or v["key"]) for v in attribute.get("values", [])}
        return {"yes", "no"} <= set(values) and (
            yes_or_no_of(turn) is not None or value_in_words(str(attribute.get("code")), turn.text, values) is not None)

    async def _cancel_confirmation(self, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> list[EventType]:
        if turn.intent in ("emergency", "request_human"):
            return [SlotSet(CANCEL_PENDING, None), ActionExecutionRejected(self.form_name())]
        if is_cancel_reply(turn):
            return self._cancel_now(dispatcher)
        kept = [SlotSet(CANCEL_PENDING, None), SlotSet(CANCEL_CONFIRMATION, None)]
        if said_no(turn):
            dispatcher.utter_message(response="msg_appeal_kept")
            return await self.settle(kept, dispatcher, tracker, domain)
        # Neither yes nor no: the appeal goes on and the message answers its next question.
        tracker.add_slots(kept)
        following = (await self.next_requested_slot(dispatcher, tracker, domain) or {}).get("value")
        if not following or self.QUESTIONS.get(following, Question(Kind.TEXT)).kind is Kind.YES_NO:
            return await self.settle(kept, dispatcher, tracker, domain)
        return [*kept, *await self.answer(following, turn.text, dispatcher, tracker, domain)]

    async def _location_check(self, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> list[EventType]:
        candidate = tracker.get_slot(LOCATION_CANDIDATE)
        if turn.intent in ("emergency", "request_human"):
            return [ActionExecutionRejected(self.form_name())]
        if turn.intent == "cancel" and turn.reply is None:
            return await self.cancel(dispatcher, tracker, domain)
        if turn.reply in (Reply.YES, Reply.OK) or (turn.intent == "affirm" and turn.reply is None):
            events = [SlotSet("appeal_location", candidate), SlotSet("appeal_latitude", None),
                      SlotSet("appeal_longitude", None), SlotSet(LOCATION_CANDIDATE, None)]
            return await self.settle(events, dispatcher, tracker, domain)
        cleared = [SlotSet(LOCATION_CANDIDATE, None), SlotSet(LOCATION_CHECK, None)]
        if said_no(turn) or turn.is_payload:
            return await self.settle(cleared, dispatcher, tracker, domain)
        tracker.add_slots(cleared)  # another place typed instead: it is the answer now
        return [*cleared, *await self.answer("appeal_location", turn.text, dispatcher, tracker, domain)]

    def found_correction(self, turn: Turn, tracker: Tracker) -> Correction | None:
        """The correction the message makes: "not X but Y" and its kin; else, at the summary or after words
        that say something was wrong, a new street for the place, or the words added to the description."""
        if holds_on(turn.text):  # "wait" asks for a moment: it announces no correction
            return None
        found = correction(turn.text)
        answers = tracker.get_slot("appeal_attributes")
        details = [str(value) for value in answers.values()] if isinstance(answers, dict) else []
        given = " ".join([*(str(tracker.get_slot(name) or "") for name in ("appeal_description", "appeal_location",
                                                                            "contact_phone")), *details])
        # What the resident says was wrong must be among their answers, unless they named the field: "It's dark,
        # not safe at night" says what happened.
        if found is not None and (found.old is None or found.field is not None or mentions(given, found.old)):
            return found
        place = str(tracker.get_slot("appeal_location") or "")
        segment = _place_segment(place, found.old) if found is not None and found.old else None
        if found is not None and segment is not None:
            # "it's not by Yansha Bridge, it's further west, by Liangmaqiao bridge" (the place: "…, just east of
            # Yansha Bridge, …"): that part of the place, whatever words led to it
            return Correction(new=found.new, old=segment, field="location")
        at_summary = tracker.get_slot(REQUESTED_SLOT) == "appeal_confirmed"
        # At the summary, "not X but Y" whose X the resident said in other words ("they're not coming from the
        # restaurant") is still a correction: it goes beside the description, below.
        announced = announces_correction(turn.text) or (found is not None and at_summary)
        if not (at_summary or announced) or turn.is_payload or _only_yes_or_no(turn, place):
            return None
        # a street or a number; else a part of the place said more exactly ("是康盛园三区" for "康盛园小区")
        moved = (place_correction(turn.text, place) or fuller_part(turn.text, place)) if place else None
        # A place given in a sentence of its own ("The flat is Building 3, Shaoyaoju Beili", "养老院在兴谷街道平翔路"):
        # it replaces the whole place when nothing finer was found, or when it is in another area of the city.
        stated = place_in_words(turn.text, place, lambda text: known_place(text) is not None) \
            if place and (at_summary or names_field(turn.text, "location")) else None
        if stated is not None and (moved is None or _other_area(stated, place) or names_other_parts(stated, place)):
            return Correction(new=stated, old=place, field="location")
        if moved is not None:
            return moved
        # Words about the problem itself ("let me correct one thing: it was in the salad, not the noodles"),
        # never about the place or the phone: they go on the ticket beside the description.
        # A question about something else ("hold on, am I chatting with a computer?") adds nothing to it.
        asks_else = turn.intent in INTERRUPTIONS and turn.confidence >= MIN_INTERRUPTION_CONFIDENCE \
            and is_question(turn.text)
        if announced and tracker.get_slot("appeal_description") and not cancels_the_appeal(turn.text) \
                and not asks_else and tracker.get_slot(REQUESTED_SLOT) != "appeal_location" \
                and not any(names_field(turn.text, field) for field in ("location", "phone")):
            return Correction(new=turn.text, field="description", adds=True)
        return None

    def is_correction(self, turn: Turn, tracker: Tracker) -> bool:
        if turn.is_payload:
            return False
        found = self.found_correction(turn, tracker)
        requested = tracker.get_slot(REQUESTED_SLOT)
        if found is None:
            # "Hepingli West Street, Hepingli, Dongcheng, it's the primary school there" taken for a correction,
            # while nothing was given yet for the question asked and the words fit it: the answer.
            first_answer = requested in FIELD_OF and not tracker.get_slot(requested) \
                and self._fits(str(requested), turn.text)
            return turn.intent == "correct_appeal" and turn.confidence >= 0.6 and not first_answer
        # "Actually, it's near the park" while the place is asked for the first time is just the answer.
        if found.old is None and found.field in (None, FIELD_OF.get(requested)) and requested in FIELD_OF \
                and not tracker.get_slot(requested):
            return False
        return True

    @staticmethod
    def _fits(slot: str, text: str) -> bool:
        """Whether ``text`` can be the answer to ``slot``'s question (a place, a phone number, a description)."""
        if slot == "appeal_location":
            return looks_like_place(text) or known_place(text) is not None
        if slot == "contact_phone":
            return is_phone_number(text)
        return slot == "appeal_description" and is_descriptive(text)

    async def correct(self, turn: Turn, requested: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> list[EventType]:
        language = language_of(tracker)
        found = self.found_correction(turn, tracker) or Correction(new="", field=latest_entity(tracker, "field"))
        field = found.field or (await self._field_of(found, tracker, language))
        if field is None or not found.new:
            dispatcher.utter_message(response="msg_appeal_not_understood_field")
            return ask_again(requested)
        events = await self._corrected(field, found, tracker, language)
        details = corrected_details(tracker.get_slot("appeal_attributes"), found)
        if details is not None and not any(e["name"] == "appeal_attributes" for e in events):
            events.append(SlotSet("appeal_attributes", details))  # "floors 11 to 15, not 12 to 15": there too
        if not events:
            dispatcher.utter_message(response="msg_appeal_not_understood_field")
            return ask_again(requested)
        # The correction is no answer to the question asked: what Rasa took from it for that question goes.
        if not any(e["name"] == requested for e in events):
            events.insert(0, SlotSet(requested, None))
        changed = {e["name"]: e["value"] for e in events}
        shown = changed.get("appeal_category")
        if shown:
            shown = (await service_names(language)).get(str(shown), str(shown))
        for name, label in (("appeal_description", "description"), ("appeal_location", "location")):
            if changed.get(name):
                dispatcher.utter_message(response=f"msg_corrected_{label}", value=changed[name])
        if shown:
            dispatcher.utter_message(response="msg_corrected_category", value=shown)
        if field == "detail" and changed.get("appeal_attributes"):
            dispatcher.utter_message(response="msg_corrected_detail", value=found.new)
        if field == "phone" and changed.get("contact_phone"):
            dispatcher.utter_message(response="msg_corrected_phone", value=changed["contact_phone"])
        return await self.settle([*events, SlotSet("appeal_confirmed", None)], dispatcher, tracker, domain)

    async def _field_of(self, found: Correction, tracker: Tracker, language: str) -> str | None:
        """Which answer a correction without a named field changes (a number: the place's first)."""
        numbers = found.old and any(ch.isdigit() for ch in found.old) and any(ch.isdigit() for ch in found.new)
        # "it's 10 rooms, not 9": what the number counts says which answer it was in
        counted = re.sub(r"\d+", "", nfkc(found.new)).strip(" ,，")
        if numbers and len(counted) >= 2 and found.old \
                and mentions(str(tracker.get_slot("appeal_description") or ""), counted) \
                and not mentions(str(tracker.get_slot("appeal_location") or ""), counted):
            return "description"
        order = (("appeal_location", "location"), ("appeal_description", "description"))
        for name, field in order if numbers else order[::-1]:
            if found.old and mentions(str(tracker.get_slot(name) or ""), found.old):
                return field
        if found.old and corrected_details(tracker.get_slot("appeal_attributes"), found) is not None:
            return "detail"  # only the answer to a category's own question ("Exact location: floors 12 to 15")
        if known_place(found.new) is not None or (looks_like_place(found.new) and not found.old):
            return "location"
        if is_phone_number(found.new):
            return "phone"
        best = await suggest(found.new, language, limit=1)
        if best and best[0].confidence >= MIN_SUGGESTION_CONFIDENCE:
            return "category"
        return None

    async def _corrected(self, field: str, found: Correction, tracker: Tracker, language: str) -> list[EventType]:
        """The slot events of a correction, or [] when the new value cannot be used."""
        if field == "location":
            old_place = str(tracker.get_slot("appeal_location") or "")
            numbers = re.findall(r"\d+", nfkc(found.new))
            if found.old and found.old.isdigit() and len(numbers) == 1:
                # "under number 15, the block facing mine, not 12": the number replaces the number
                found = Correction(new=numbers[0], old=found.old, field=found.field)
            # A new street without the one it replaces ("地址写错了，是工体南路8号") replaces the place's street.
            old = found.old or (next(iter(place_spans(old_place)), None) if place_spans(found.new) else None)
            place = replace_place(old_place, old, found.new) if old else found.new
            if not place or len(place) > MAX_LOCATION or is_bare_reply(place):
                return []
            return [SlotSet("appeal_location", place), SlotSet("appeal_latitude", None),
                    SlotSet("appeal_longitude", None)]
        if field == "detail":
            return []  # corrected_details, by the caller
        if field == "phone":
            return [SlotSet("contact_phone", found.new), SlotSet("contact_consent", True)] \
                if is_phone_number(found.new) else []
        if field == "category":
            best = await suggest(found.new, language, limit=1)
            if best and best[0].confidence >= MIN_SUGGESTION_CONFIDENCE:
                return [SlotSet("appeal_category", best[0].service_code), SlotSet("appeal_attributes", {}),
                        SlotSet("appeal_attribute", None)]
            return [SlotSet("appeal_category", None), SlotSet("appeal_attributes", {})]
        old_text = str(tracker.get_slot("appeal_description") or "")
        numbers = re.findall(r"\d+", nfkc(found.new))
        if found.old and found.old.isdigit() and len(numbers) == 1:
            found = Correction(new=numbers[0], old=found.old, field=found.field)  # "it's 10 rooms, not 9": the number
        if found.adds:  # the resident's correction, in their words, after what they said first
            text = f"{old_text.rstrip()}\n{found.new.strip()}"
        elif found.old and not mentions(old_text, found.old):
            return []  # what was wrong is not in the description: never replace all of it with the new words
        else:
            text = replace_mention(old_text, found.old, found.new) if found.old else found.new
        if not text or len(text) > MAX_DESCRIPTION or is_bare_reply(text):
            return []
        events: list[EventType] = [SlotSet("appeal_description", text)]
        if tracker.get_slot("appeal_category"):  # the problem changed: so may its category
            best = await suggest(text, language, limit=1)
            if best and best[0].confidence >= MIN_SUGGESTION_CONFIDENCE \
                    and best[0].service_code != tracker.get_slot("appeal_category"):
                events += [SlotSet("appeal_category", best[0].service_code), SlotSet("appeal_attributes", {}),
                           SlotSet("appeal_attribute", None)]
        return events

    async def yes_or_no(self, slot: str, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: DomainDict) -> list[EventType]:
        """At the summary, words that are neither yes nor no (nor a correction understood) want a change:
        the resident is asked which answer, as after a "no"."""
        if slot == "appeal_confirmed" and yes_or_no_of(turn) is None:
            return await self.answer(slot, False, dispatcher, tracker, domain)
        return await super().yes_or_no(slot, turn, dispatcher, tracker, domain)

    async def skip(self, requested: str, question: Question, dispatcher: CollectingDispatcher, tracker: Tracker,
                   domain: DomainDict) -> list[EventType]:
        if requested == "appeal_confirmed":  # "no thanks" to filing it: that is cancelling
            return await self.cancel(dispatcher, tracker, domain)
        if requested in ("contact_consent", "contact_phone"):
            dispatcher.utter_message(response="msg_phone_skipped")
            events = [SlotSet("contact_consent", False), SlotSet("contact_phone", None)]
            return await self.settle(events, dispatcher, tracker, domain)
        return await super().skip(requested, question, dispatcher, tracker, domain)

    async def cancel(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """With answers given, ask first; with none, cancel at once (one message)."""
        if any(tracker.get_slot(name) for name in ("appeal_description", "appeal_location", "appeal_category")):
            events = [SlotSet(CANCEL_PENDING, True), SlotSet(CANCEL_CONFIRMATION, None)]
            tracker.add_slots(events)
            return [*events, SlotSet(REQUESTED_SLOT, CANCEL_CONFIRMATION)]
        return self._cancel_now(dispatcher)

    def _cancel_now(self, dispatcher: CollectingDispatcher) -> list[EventType]:
        dispatcher.utter_message(response="utter_appeal_cancelled")
        # requested_slot None ends the form; action_file_ticket, which follows, files nothing unconfirmed.
        return [*reset_appeal(), SlotSet(REQUESTED_SLOT, None)]

    # ---- the answers ----

    def validate_appeal_description(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        raw = str(value or "").strip()
        if not is_payload(raw) and (short_reply(raw) is not None or is_announcement(raw)):
            # "ok", "yes", "不知道", "苦情を言いたいんですが": no description of anything
            dispatcher.utter_message(response="msg_not_a_description")
            return {"appeal_description": None, EXPLAINED: "appeal_description"}
        text = checked_text(value, dispatcher, max_chars=MAX_DESCRIPTION)
        # Written in a language we do not serve: the ticket says which (the backend flags it).
        noted = {event["name"]: event["value"] for event in note_other_language(dispatcher, tracker)}
        written = {"appeal_written_language": written_language(tracker)} if text else {}
        explained = {EXPLAINED: "appeal_description"} if text is None and not is_payload(raw) else {}
        return {"appeal_description": text, **written, **noted, **explained}

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
            return {"appeal_location": None, EXPLAINED: "appeal_location"}
        shared = shared_location(tracker)
        if shared:
            return {"appeal_location": text, "appeal_latitude": shared[0], "appeal_longitude": shared[1],
                    LOCATION_CANDIDATE: None}
        # "yes", "ok", "I don't know", "yep, sure", "はい、わかりました"; "哟，这么晚还有人回消息，辛苦辛苦": small
        # talk; "我上个月打12345说楼下化粪池冒水那事儿，到底有人管没有？": a question; "thank you for listening,
        # nobody at the school does" (a school is no address). No place in any of them.
        said_yes_or_no = (opening_reply(text) or sentence_reply(text)) is not None and not place_spans(text)
        if is_bare_reply(text) or ((is_courtesy(text) or is_question(text) or said_yes_or_no)
                                   and known_place(text) is None
                                   and (not looks_like_place(text)
                                        or ((is_question(text) or is_courtesy(text)) and not place_spans(text)))):
            dispatcher.utter_message(response="msg_not_a_place")
            return {"appeal_location": None, EXPLAINED: "appeal_location"}
        if cannot_give_the_place(text) and known_place(text) is None and not place_spans(text):
            # "就是因为没门牌号才找你们的嘛，我只能说个大概位置": a landmark or the compound will do
            dispatcher.utter_message(response="msg_required_appeal_location")
            return {"appeal_location": None, EXPLAINED: "appeal_location"}
        place = known_place(text)
        if place is None:
            # Not on the city's map: the resident confirms it before it goes on the ticket.
            return {"appeal_location": None, LOCATION_CANDIDATE: text}
        if names_only_an_area(text, place) and not failures(tracker, "appeal_location"):
            # "Chaoyang", "大兴那边": too wide for anyone to go to; asked once for more, the same area again is kept
            area = place.subdistrict or place.district
            name = area.name_en if language_of(tracker) == "en" else area.name_zh
            dispatcher.utter_message(response="msg_place_too_wide", area=name)
            return {"appeal_location": None, EXPLAINED: "appeal_location"}
        # Typed in words: coordinates shared earlier no longer describe this place.
        return {"appeal_location": text, "appeal_latitude": None, "appeal_longitude": None, LOCATION_CANDIDATE: None}

    async def validate_appeal_category(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        text, language = str(value or "").strip(), language_of(tracker)
        if is_payload(text):  # another question's button
            return {"appeal_category": None}
        known = await service_names(language)
        if text in known:
            return {"appeal_category": text, "appeal_attributes": {}}
        options = tracker.get_slot("category_options") or []
        index = _ordinal(text) if len(text) <= MAX_ORDINAL_CHARS else None  # "the first one", "第二个"
        if index is not None and index < len(options):
            return {"appeal_category": options[index], "appeal_attributes": {}}
        # The name of an offered button, typed: "路灯" for "路灯不亮", "street light" for "Street light out".
        typed = normalised(text)
        names = {code: normalised(known.get(code, "")) for code in options}  # "" for a name the backend lacks
        named = [code for code, name in names.items() if typed and len(typed) >= 2 and name and (
            typed in name or name in typed)]
        if len(named) == 1 and typed in names[named[0]]:
            return {"appeal_category": named[0], "appeal_attributes": {}}
        # The exact name of a category not offered: "公共の場所での喫煙" typed from the resident's own knowledge.
        exact = [code for code, name in known.items() if typed and normalised(name) == typed]
        if len(exact) == 1:
            return {"appeal_category": exact[0], "appeal_attributes": {}}
        # The resident named one in their own words; never the category of reports passed to 110/119/120/122
        # ("fire equipment broken" is the fire equipment, not a fire).
        best = [s for s in await suggest(text, language, limit=OPTION_SEARCH) if s.service_code != REFERRED]
        if best and (best[0].confidence >= MIN_SUGGESTION_CONFIDENCE or (
                best[0].confidence >= MIN_CLEAR_CONFIDENCE
                and (len(best) < 2 or best[1].confidence * CLEAR_MARGIN <= best[0].confidence))):
            return {"appeal_category": best[0].service_code, "appeal_attributes": {}}
        # A button's name in more words ("illegal parking lock" beside "Illegal parking"), when the words name no
        # other category clearly (above).
        if len(named) == 1:
            return {"appeal_category": named[0], "appeal_attributes": {}}
        # Words for one of the buttons offered ("バスの路線や停留所についての要望です" among a bus route, a bus
        # stop and road works): the offered one the words fit clearly best.
        offered = [s for s in best if s.service_code in options]
        if offered and offered[0].confidence >= MIN_CLEAR_CONFIDENCE and (
                len(offered) < 2 or offered[1].confidence * OFFERED_MARGIN <= offered[0].confidence):
            return {"appeal_category": offered[0].service_code, "appeal_attributes": {}}
        # Words too loose on their own ("those banned after-school cram classes", "管理会社がちゃんと仕事をしてくれない
        # ことへの苦情です", "お店が閉まって、チャージしたお金が戻ってこない件"): among the categories the description
        # alone ranks first (the buttons offered), the one the description and the words fit best together (the
        # product of their scores: each must carry something of it). Both from the shipped taxonomy's suggester (the
        # backend's is the same index): no second request, and the scores, which the backend does not return.
        # Never the emergency-referral category.
        described = str(tracker.get_slot("appeal_description") or "")
        if not described:
            return {"appeal_category": None}
        suggester = local_suggester()
        by_words = suggester.scores(text, language)
        candidates = [s for s in suggester.suggest(described, language, limit=CATEGORY_CHOICES + 1)
                      if s.category.code != REFERRED][:CATEGORY_CHOICES]
        words_best = max(by_words, key=lambda code: by_words[code], default=None)
        agreeing = bool(candidates) and words_best == candidates[0].category.code \
            and by_words[words_best] >= MIN_AGREEING_WORDS_SCORE
        if max(by_words.values(), default=0.0) < MIN_LOOSE_WORDS_SCORE and not agreeing:
            return {"appeal_category": None}  # small talk typed instead shares a character or two with anything
        fitting = _best_together(candidates, by_words)
        return {"appeal_category": fitting, "appeal_attributes": {}} if fitting else {"appeal_category": None}

    async def validate_appeal_attribute(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> dict[str, Any]:
        attribute = await next_required_attribute(tracker)
        if attribute is None:
            return {"appeal_attribute": None}
        text = str(value or "").strip()
        values = {str(v["key"]): str(v.get("name") or v["key"]) for v in attribute.get("values", [])}
        keys = list(values)
        if keys and text not in keys:
            # In words ("整栋楼都没电", "every night for months"), else "the second one" (a short text only:
            # "一直" is no "first").
            index = _ordinal(text) if len(text) <= MAX_ORDINAL_CHARS else None
            ordinal = keys[index] if index is not None and index < len(keys) else ""
            text = value_in_words(str(attribute.get("code")), text, values) or ordinal
        if not text or len(text) > 500:
            return {"appeal_attribute": None}
        answered = {**(tracker.get_slot("appeal_attributes") or {}), attribute["code"]: text}
        # Reset the slot so the form asks the next required question, if any.
        return {"appeal_attributes": answered, "appeal_attribute": None}

    async def give_up(self, requested: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> list[EventType] | None:
        """A follow-up question still unanswered after the way out: "not sure", when it is one of the choices. The
        category: the one closest to the description and the words typed, said as such (the hotline's staff check
        categories anyway; a resident who cannot name one still gets the appeal filed)."""
        if requested == "appeal_category":
            return await self._closest_category(dispatcher, tracker, domain)
        if requested != "appeal_attribute":
            return await super().give_up(requested, dispatcher, tracker, domain)
        attribute = await next_required_attribute(tracker)
        if attribute is None or UNKNOWN not in {str(v["key"]) for v in attribute.get("values", [])}:
            return None
        dispatcher.utter_message(response="msg_attribute_noted_unknown")
        answered = {**(tracker.get_slot("appeal_attributes") or {}), attribute["code"]: UNKNOWN}
        return await self.settle([SlotSet("appeal_attributes", answered), SlotSet("appeal_attribute", None)],
                                 dispatcher, tracker, domain)

    async def _closest_category(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> list[EventType] | None:
        """Among the description's first categories (the buttons), the one the description and the words typed fit
        best together; the description's first when the words fit none of them (or were a button)."""
        language = language_of(tracker)
        typed = str((tracker.latest_message or {}).get("text") or "")
        described = str(tracker.get_slot("appeal_description") or "") or ("" if is_payload(typed) else typed)
        suggester = local_suggester()
        candidates = [s for s in suggester.suggest(described, language, limit=CATEGORY_CHOICES + 1)
                      if s.category.code != REFERRED][:CATEGORY_CHOICES]
        if not candidates:
            return None
        by_words = {} if is_payload(typed) else suggester.scores(typed, language)
        if max(by_words.values(), default=0.0) < MIN_AGREEING_WORDS_SCORE:
            by_words = {}  # "you know, the usual one" shares a word or two with anything: the description decides
        code = _best_together(candidates, by_words) or candidates[0].category.code
        name = (await service_names(language)).get(code, code)
        dispatcher.utter_message(response="msg_category_chosen_for_you", value=name)
        return await self.settle([SlotSet("appeal_category", code), SlotSet("appeal_attributes", {}),
                                  SlotSet("appeal_attribute", None)], dispatcher, tracker, domain)

    def validate_contact_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        phone = checked_phone(value, dispatcher)
        return {"contact_phone": phone} if phone else {"contact_phone": None, EXPLAINED: "contact_phone"}

    def validate_appeal_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        if value is True:
            return {"appeal_confirmed": True}
        field = latest_entity(tracker, "field")
        if field not in FIELDS:
            dispatcher.utter_message(response="msg_appeal_not_understood_field")
            return {"appeal_confirmed": None, EXPLAINED: "appeal_confirmed"}
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
        # Never the category of reports passed to 110/119/120/122: that one is filed beside the numbers only.
        suggestions = [s for s in await suggest(tracker.get_slot("appeal_description") or "", language,
                                                limit=CATEGORY_CHOICES + 1) if s.service_code != REFERRED]
        suggestions = suggestions[:CATEGORY_CHOICES]
        typed = str((tracker.latest_message or {}).get("text") or "")
        refused = failures(tracker, "appeal_category") > 0 or tracker.get_slot(EXPLAINED) == "appeal_category"
        if tracker.get_slot("requested_slot") == "appeal_category" and typed and not is_payload(typed) and (
                refused or not suggestions):
            # Asked again after the resident's own words for the category (not clear enough to take): the
            # categories those words fit come first, so the choices move towards what they said.
            by_words = [s for s in await suggest(typed, language) if s.confidence >= MIN_CLEAR_CONFIDENCE] \
                or ([] if suggestions else await suggest(typed, language))
            codes = {s.service_code for s in by_words}
            suggestions = [*by_words, *(s for s in suggestions if s.service_code not in codes)][:CATEGORY_CHOICES]
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


class ActionAskAppealConfirmed(AskQuestion):
    """Shows the summary and asks to file, correct a field, or cancel."""

    SLOT = "appeal_confirmed"

    def name(self) -> str:
        return "action_ask_appeal_confirmed"

    async def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        language = language_of(tracker)
        code = tracker.get_slot("appeal_category") or ""
        category = (await service_names(language)).get(code, code)
        phone = tracker.get_slot("contact_phone") if tracker.get_slot("contact_consent") else None
        contact = phone or fragment("text_no_contact", language)
        dispatcher.utter_message(response="msg_confirm_appeal", description=tracker.get_slot("appeal_description"),
                                 location=tracker.get_slot("appeal_location"), category=category, contact=contact)
        return []



class AskAppealDescription(AskQuestion):
    SLOT = "appeal_description"

    def name(self) -> str:
        return "action_ask_appeal_description"


class AskAppealLocation(AskQuestion):
    SLOT = "appeal_location"

    def name(self) -> str:
        return "action_ask_appeal_location"


class AskContactPhone(AskQuestion):
    SLOT = "contact_phone"

    def name(self) -> str:
        return "action_ask_contact_phone"


class AskCancelConfirmation(AskQuestion):
    """"Cancel this appeal? What you told me will not be filed." Yes / no, go on."""

    SLOT = CANCEL_CONFIRMATION

    def name(self) -> str:
        return "action_ask_cancel_confirmation"

    async def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        summary = tracker.get_slot("appeal_description") or tracker.get_slot("appeal_location") or ""
        dispatcher.utter_message(response="msg_confirm_cancel", summary=str(summary)[:80])
        return []


class AskLocationConfirmed(AskQuestion):
    """A place the city's gazetteer does not know: file it as written, or type it again?"""

    SLOT = LOCATION_CHECK

    def name(self) -> str:
        return "action_ask_location_confirmed"

    async def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        dispatcher.utter_message(response="msg_confirm_unknown_place", location=tracker.get_slot(LOCATION_CANDIDATE))
        return []


class AskContactConsent(AskQuestion):
    SLOT = "contact_consent"

    def name(self) -> str:
        return "action_ask_contact_consent"
