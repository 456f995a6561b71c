"""Where an urgent report is, told after filing it.

An emergency is filed the moment the resident writes it (the assistant names 110/119/120/122 first and logs
the report for follow-up), before anyone asked where it is. When the text named no place, the resident is
asked afterwards; their answer becomes the ticket's address, and the district and sub-district follow
from it (hotline.domain.routing.locate). Only once, only for an urgent ticket that is still open and has no
place of its own: this is completing a report, not moving one (re-dispatch is the call centre's).
"""

from bot.gazetteer import Gazetteer
from hotline.db import Database
from hotline.dispatch.workflow import check_workable, ticket_for_update
from hotline.domain.errors import BadRequest, Conflict
from hotline.domain.history import Change, record_change
from hotline.domain.models import Ticket
from hotline.domain.privacy import public_text
from hotline.domain.routing import URGENT, locate
from hotline.domain.tickets import Clock, utcnow

MAX_PLACE_CHARS = 500


def has_own_place(ticket: Ticket) -> bool:
    """Whether the ticket says where it is: coordinates, a sub-district, or an address other than its text."""
    return ticket.lat is not None or ticket.subdistrict_code is not None or bool(
        ticket.address_string and ticket.address_string.strip() != ticket.description.strip()[:MAX_PLACE_CHARS])


class UrgentPlace:
    def __init__(self, db: Database, *, gazetteer: Gazetteer, clock: Clock = utcnow) -> None:
        self.db, self.gazetteer, self.clock = db, gazetteer, clock

    def add(self, service_request_id: str, place: str, *, actor: str) -> Ticket:
        """``place`` becomes the urgent ticket's address.

        Raises:
            NotFound: no such ticket. BadRequest: an empty or too long place.
            Conflict: not urgent, closed or linked, or it has a place already.
        """
        place = place.strip()
        if not place or len(place) > MAX_PLACE_CHARS:
            raise BadRequest(f"the place must be 1 to {MAX_PLACE_CHARS} characters")
        with self.db.write() as session, session.begin():
            ticket = ticket_for_update(session, service_request_id)
            check_workable(ticket)
            if ticket.priority != URGENT:
                raise Conflict("only an urgent report gets its place after filing")
            if has_own_place(ticket):
                raise Conflict("the ticket says where it is already")
            found = locate(self.gazetteer, address=place, lat=None, lon=None)
            now = self.clock()
            ticket.address_string = place
            ticket.district_code = found.district.code if found else None
            ticket.subdistrict_code = found.subdistrict.code if found and found.subdistrict else None
            ticket.public_text = public_text(ticket)
            ticket.updated_at = now
            record_change(session, ticket, actor=actor, change=Change.PLACE_GIVEN, at=now,
                          reason="the resident said where it is", district=ticket.district_code,
                          subdistrict=ticket.subdistrict_code)
        return ticket
