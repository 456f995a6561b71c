"""Filing service requests: validation-free core (parsing happens at the edge), idempotent."""

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.dangers import main_danger
from bot.gazetteer import Gazetteer
from bot.taxonomy import Taxonomy
from hotline.db import Database
from hotline.dispatch.assignments import ROUTER, dispatch_lead
from hotline.dispatch.calendar import WorkCalendar
from hotline.dispatch.deadlines import DeadlineRules
from hotline.dispatch.escalation import schedule
from hotline.dispatch.units import load_units
from hotline.domain.errors import BadRequest, Conflict, NotFound
from hotline.domain.events import TICKET_CREATED, record_event
from hotline.domain.history import Change, record_change
from hotline.domain.models import Status, Ticket, TicketUpdate
from hotline.domain.privacy import public_text
from hotline.domain.queries import OPEN311_CLOSED
from hotline.domain.routing import URGENT, route

Clock = Callable[[], datetime]
AttributeValue = str | list[str]
MERGED_REPORT = "merged-report"  # the actor of a timeline row that records a report merged into the ticket


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class NewRequest:
    """A validated Open311 service request, ready to file."""

    service_code: str
    description: str
    language: str
    source_language: str | None = None  # set when the text is in a language we do not serve
    lat: float | None = None
    long: float | None = None
    address_string: str | None = None
    attributes: dict[str, AttributeValue] = field(default_factory=dict)
    media_url: str | None = None
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    channel: str | None = None
    channel_user_id: str | None = None

    def fingerprint(self) -> str:
        """A digest of the request, to tell a retry from a different request under the same key."""
        fields = asdict(self)
        if fields["source_language"] is None:  # added later: keep the digests of earlier requests
            del fields["source_language"]
        canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_ticket(session: Session, service_request_id: str) -> Ticket:
    """The ticket with its timeline and ratings.

    Raises:
        NotFound: no ticket has that id.
    """
    ticket = session.scalars(
        select(Ticket)
        .where(Ticket.service_request_id == service_request_id)
        .options(selectinload(Ticket.updates), selectinload(Ticket.satisfaction), selectinload(Ticket.assignments))
    ).first()
    if ticket is None:
        raise NotFound(f"service request {service_request_id} not found")
    return ticket


class TicketDesk:
    """Files new service requests: routes them and records the first timeline row and event."""

    def __init__(self, db: Database, taxonomy: Taxonomy, gazetteer: Gazetteer, clock: Clock = utcnow,
                 merge_window: timedelta = timedelta(minutes=10), rules: DeadlineRules | None = None) -> None:
        self.db = db
        self.taxonomy = taxonomy
        self.gazetteer = gazetteer
        self.units = load_units(taxonomy, gazetteer)
        self.rules = rules or DeadlineRules.load(taxonomy, WorkCalendar.load())
        self.clock = clock
        self.merge_window = merge_window  # urgent reports from one source this close join one ticket

    def file(self, request: NewRequest, *, idempotency_key: str | None = None,
             source: str | None = None) -> tuple[Ticket, bool]:
        """File ``request``; with an idempotency key, a repeat returns the first ticket.

        An urgent request from a ``source`` (a digest of who sent it) that filed an urgent ticket
        with the same service code less than ``merge_window`` ago, still open, is merged into that
        ticket: its text becomes a timeline row (actor ``merged-report``) and that ticket is returned.

        Returns:
            The ticket and whether this call created it (False for a replay or a merge).

        Raises:
            BadRequest: unknown service code.
            Conflict: the key was used before for a different request.
        """
        category = self.taxonomy.leaf(request.service_code)
        if category is None:
            raise BadRequest(f"service_code {request.service_code!r} not found")
        fingerprint = request.fingerprint()
        if idempotency_key is not None:
            existing = self._by_key(idempotency_key, fingerprint)
            if existing is not None:
                return existing, False
        try:
            with self.db.write() as session, session.begin():
                merged = self._merge(session, request, source) if source and category.urgent else None
                if merged is not None:
                    return merged, False
                ticket = self._insert(session, request, category_code=category.code,
                                      idempotency_key=idempotency_key, fingerprint=fingerprint)
                ticket.source_key = source
            return ticket, True
        except IntegrityError:
            # A concurrent retry with the same key won the race: answer with its ticket.
            if idempotency_key is None:
                raise
            existing = self._by_key(idempotency_key, fingerprint)
            if existing is None:
                raise
            return existing, False

    def replay(self, request: NewRequest, idempotency_key: str) -> Ticket | None:
        """The ticket filed earlier for this request under ``idempotency_key``, or None.

        Raises:
            Conflict: the key was used before for a different request.
        """
        return self._by_key(idempotency_key, request.fingerprint())

    def _merge(self, session: Session, request: NewRequest, source: str) -> Ticket | None:
        """Add ``request`` to the source's recent open urgent ticket of the same service, if there is one."""
        if session.get_bind().dialect.name == "postgresql":  # one source at a time, on every machine
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": int(source[:15], 16)})
        now = self.clock()
        ticket = session.scalars(
            select(Ticket).where(Ticket.source_key == source, Ticket.service_code == request.service_code,
                                 Ticket.priority == URGENT, Ticket.status.not_in(OPEN311_CLOSED),
                                 Ticket.requested_at > now - self.merge_window)
            .order_by(Ticket.id.desc()).limit(1)
        ).first()
        if ticket is None:
            return None
        repeated = request.description == ticket.description or any(
            u.actor == MERGED_REPORT and u.note == request.description for u in ticket.updates)
        if not repeated:  # a retry of a report already recorded adds nothing
            ticket.updates.append(TicketUpdate(status=ticket.status, note=request.description,
                                               note_language=request.language, actor=MERGED_REPORT, created_at=now))
            ticket.updated_at = now
            record_change(session, ticket, actor=_filer(request), change=Change.MERGED_REPORT, at=now,
                          reason="an urgent report from the same source within the merge window",
                          language=request.language)
        return ticket

    def _by_key(self, key: str, fingerprint: str) -> Ticket | None:
        with self.db.read() as session:
            ticket = session.scalars(select(Ticket).where(Ticket.idempotency_key == key)).first()
        if ticket is not None and ticket.request_fingerprint != fingerprint:
            raise Conflict("Idempotency-Key was already used for a different request")
        return ticket

    def _insert(self, session: Session, request: NewRequest, *, category_code: str,
                idempotency_key: str | None, fingerprint: str) -> Ticket:
        category = self.taxonomy.categories[category_code]
        now = self.clock()
        routing = route(category, self.gazetteer, address=request.address_string, lat=request.lat, lon=request.long)
        due = self.rules.deadlines(category.code, start=now)
        token = secrets.token_urlsafe(18)
        ticket = Ticket(
            service_request_id=f"pending-{token}"[:32], token=token, idempotency_key=idempotency_key,
            request_fingerprint=fingerprint, service_code=request.service_code, status=Status.OPEN.value,
            description=request.description, language=request.language,
            source_language=request.source_language, address_string=request.address_string,
            lat=request.lat, long=request.long, attributes=request.attributes, media_url=request.media_url,
            department=routing.department, district_code=routing.district_code,
            subdistrict_code=routing.subdistrict_code, priority=routing.priority,
            response_due=due.response_due, resolution_due=due.resolution_due, deadline_tier=due.tier,
            channel=request.channel, channel_user_id=request.channel_user_id, email=request.email,
            phone=request.phone, first_name=request.first_name, last_name=request.last_name,
            device_id=request.device_id, account_id=request.account_id, requested_at=now, updated_at=now,
        )
        ticket.public_text = public_text(ticket)
        ticket.response_escalation = ticket.resolution_escalation = ticket.escalation_level = 0
        schedule(ticket)
        session.add(ticket)
        session.flush()  # assigns the row id, which makes the readable request id
        ticket.service_request_id = f"{now:%Y%m%d}{ticket.id:07d}"
        ticket.updates.append(TicketUpdate(status=Status.OPEN.value, note="", note_language=request.language,
                                           actor=_filer(request), created_at=now))
        session.flush()
        unit = self.units.for_routing(routing.department, routing.subdistrict_code)
        danger = main_danger(request.description) if routing.priority == URGENT else None
        if danger is not None:
            ticket.danger_kind, ticket.referred_to = danger.kind, danger.referred_to
            unit = self.units.for_routing(danger.follow_up, routing.subdistrict_code) or unit
        record_change(session, ticket, actor=_filer(request), change=Change.FILED, at=now,
                      service_code=ticket.service_code, department=ticket.department,
                      district_code=ticket.district_code, subdistrict_code=ticket.subdistrict_code,
                      priority=ticket.priority, response_due=ticket.response_due.isoformat(),
                      resolution_due=ticket.resolution_due.isoformat(), deadline_tier=due.tier,
                      located_by=routing.located_by, danger=ticket.danger_kind, referred_to=ticket.referred_to)
        if unit is not None:
            dispatch_lead(session, ticket, unit=unit, actor=ROUTER, at=now, reason="routing rules", announce=False)
        record_event(session, TICKET_CREATED, ticket, at=now, priority=routing.priority, lead_unit=unit)
        return ticket


def _filer(request: NewRequest) -> str:
    return f"resident:{request.channel or 'open311'}"
