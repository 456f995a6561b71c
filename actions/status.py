"""Where is my appeal: the resident's own tickets, looked up by their channel identity only."""

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import deps
from actions.conversation import language_of, readable_time, resident_of
from actions.hotline_client import HotlineRejected, HotlineUnavailable
from actions.texts import fragment

MAX_LISTED = 5


class ActionListMyTickets(Action):
    """Lists this conversation's resident's tickets; there is no look-up by a ticket id typed in."""

    def name(self) -> str:
        return "action_list_my_tickets"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        await list_tickets(dispatcher, tracker)
        return []


async def list_tickets(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Says the resident's latest tickets (also in the middle of a form, actions/repair.py)."""
    language = language_of(tracker)
    channel, user_id = resident_of(tracker)
    try:
        tickets = await deps.hotline().resident_tickets(channel, user_id, language)
    except (HotlineUnavailable, HotlineRejected):
        dispatcher.utter_message(response="msg_status_unavailable")
        return
    if not tickets:
        dispatcher.utter_message(response="msg_no_tickets")
        return
    dispatcher.utter_message(response="msg_tickets_header", count=len(tickets))
    for ticket in tickets[:MAX_LISTED]:
        dispatcher.utter_message(
            response="msg_ticket_line", ticket_id=ticket.service_request_id, category=ticket.service_name,
            status=fragment(f"msg_status_{ticket.status}", language) or ticket.status,
            updated=readable_time(ticket.updated_datetime), note=ticket.last_note or "",
        )
