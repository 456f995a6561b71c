""""Me too" in chat: right after an appeal is filed, the resident is asked whether it is the same problem as an
open ticket the backend finds alike (hotline/api/me_too.py); "yes" links it there, so it follows that ticket and
the resident hears when it is fixed; "no" leaves it on its own.

The resident sees only the open ticket's category, sub-district and filing day: nothing another resident wrote.
The question is answered right away or not at all: any other message leaves the appeal as it was filed.
"""

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import deps
from actions.conversation import resident_of
from actions.repair import Turn, yes_or_no_of
from bot.errors import HotlineError

log = logging.getLogger(__name__)
OFFER_SLOT = "me_too_offer"  # {"ticket": <the new ticket>, "master": <the open one>}
OFFER_RESPONSE = "msg_me_too_offer"


async def offer_same_case(dispatcher: CollectingDispatcher, tracker: Tracker, ticket_id: str,
                          language: str) -> list[EventType]:
    """Asks about the open case the new ticket looks like, if the backend finds one (nothing if it is down)."""
    try:
        found = await deps.hotline().same_case(ticket_id, resident=resident_of(tracker), language=language)
    except HotlineError as exc:  # the appeal is filed; the question can go unasked
        log.warning("no same-case check for %s: %s", ticket_id, exc)
        return []
    if found is None:
        return []
    dispatcher.utter_message(response=OFFER_RESPONSE, service_name=found.service_name,
                             subdistrict=found.subdistrict or "-", filed=found.requested_datetime[:10])
    return [SlotSet(OFFER_SLOT, {"ticket": ticket_id, "master": found.service_request_id})]


def offer_pending(tracker: Tracker) -> dict[str, str] | None:
    """The offer, when the bot's latest message asked it (an offer left unanswered is gone)."""
    offer = tracker.get_slot(OFFER_SLOT)
    if not isinstance(offer, dict) or not offer.get("ticket") or not offer.get("master"):
        return None
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            asked = (event.get("metadata") or {}).get("utter_action") == OFFER_RESPONSE
            return {"ticket": str(offer["ticket"]), "master": str(offer["master"])} if asked else None
    return None


async def answer_same_case(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """The resident's yes or no to the offer; None when no offer is pending or the message is neither."""
    offer = offer_pending(tracker)
    said = yes_or_no_of(Turn.of(tracker)) if offer else None
    if offer is None or said is None:
        return None
    if not said:
        dispatcher.utter_message(response="msg_me_too_kept", ticket_id=offer["ticket"])
        return [SlotSet(OFFER_SLOT, None)]
    try:
        await deps.hotline().me_too(offer["ticket"], resident=resident_of(tracker), master=offer["master"])
    except HotlineError as exc:  # closed meanwhile, or the backend is down: the appeal stays as filed
        log.warning("me too %s -> %s not linked: %s", offer["ticket"], offer["master"], exc)
        dispatcher.utter_message(response="msg_me_too_not_linked", ticket_id=offer["ticket"])
        return [SlotSet(OFFER_SLOT, None)]
    dispatcher.utter_message(response="msg_me_too_linked", ticket_id=offer["ticket"])
    return [SlotSet(OFFER_SLOT, None)]
