"""A simulated week of appeals through the dispatch loop of the real backend.

Run: ``make bench`` (or ``.venv-services/bin/python -m bench.bench_dispatch_week``; about 16 minutes).

**Real**: the backend as ``make run`` starts it (``python -m hotline`` through tools.stack.Processes, development
settings, a SQLite file, Redis started with make run's own arguments; the notifier and the translation worker, which
only read the event stream, are not started), and every step through its HTTP API: appeals filed on Open311 with
the assistant's key, the call centre (an operator token) reading its to-dispatch queue every ``POLL`` and
dispatching or re-dispatching, units (one handler token each, created through ``POST /api/staff``) accepting and
returning, resolutions recorded by the call centre (``POST /api/tickets/{id}/updates``: handlers cannot). Routing,
deadlines, the audit trail, the outbox and its relay to Redis are the backend's own. A unit learns of a ticket
routed at filing from one read of it (``GET /api/tickets/{id}``) instead of polling its queue (385 units).

**Simulated**: time, residents, the call centre's and the units' decisions, and the escalation sweep's clock.

- Time: a December week (Monday 00:00 to Sunday 24:00 in Beijing, heating season) and ``TAIL_DAYS`` more for the
  last appeals' 7-day deadlines, played at ``DAY_SECONDS`` real seconds per simulated day. Every step is sent at
  its simulated time; the durations reported are simulated ones, from the schedule (a step's real latency is not
  multiplied into them). The backend stamps its own clock on everything, so its timestamps are compressed.
- Escalation: the backend's sweep runs on the relay leader with the wall clock and no clock setting, so on the
  compressed timeline it never fires. The bench runs ``hotline.dispatch.escalation.fire_due_steps`` (the sweep's
  step for one ticket) on the backend's database every ``ESCALATION_EVERY``, in one transaction, each ticket at
  its own simulated now: the backend's filing time plus the ticket's simulated age. Hour-based periods (every
  response deadline, the 24-hour resolutions) carry over exactly; calendar- and working-day periods are as the
  backend computed them for the real moment of filing (7 to 8 days for "general", and "complex" runs past the
  horizon), not for the simulated one.
- Volume: Beijing's 12345 takes some 60,000 appeals a day (about 20 million a year in the city's yearly reports;
  a round figure from memory, not checked offline); we file ``1 / SCALE`` of them. Weekends carry
  ``WEEKDAY_FACTOR`` of a weekday, hours follow bench/bench_day.py's assumed daily curve (``HOURLY``), arrivals
  within an hour are a Poisson process.
- Category mix (``TOP_SHARES``): the city's yearly reports rank housing and property management, urban management
  and market and consumer disputes highest, then utilities (heating complaints make them larger in a winter
  week), transport and labour and wages; public security, education, health and civil affairs follow; safety
  hazards are few because emergencies go to 110/119/120. The shares are our rounded reading of those rankings,
  not published percentages (none at hand offline). Within a top level every leaf is equally likely (no per-leaf
  figures); ``operator_callback`` is a request for a call, not an appeal, and is left out.
- Places: districts weighted by population (2020 census, rounded, from memory), a sub-district uniformly within
  its district. ``NAMED_WRONG`` of addresses name a neighbouring sub-district, ``DISTRICT_ONLY`` name only the
  district (what the gazetteer makes of that is the backend's), and ``MISFILED`` of appeals are filed under a
  category of another department in the same top level. Languages and channels as the assistant's residents
  (bench/traffic.py; bench/bench_day.py's ``CHANNELS``); texts are the taxonomy's examples.
- Units judge a ticket against the truth: one that is not theirs goes back after ``RETURN_DELAY`` ("wrong place"
  when a sub-district office got another office's ticket, "not ours" otherwise), and the call centre re-dispatches
  it with the right category or sub-district (its operator calls the resident back: the simulation knows the
  truth). Otherwise a unit accepts: most a lognormal delay after the dispatch (median a tenth of the response
  period, at most three quarters of it), ``LATE_SHARES`` near (80-98% of the period from filing) or past
  (102-160%) the deadline; resolutions likewise against the resolution period, counted from acceptance (median
  three tenths). Operators pick a ticket up ``OPERATOR_DELAY`` after their screen shows it. Units and the call
  centre work around the clock (no shift model).

Reported per unit type (the unit holding each ticket at the end): dispatched within 5 minutes of filing, time to
dispatch (filing to the dispatch that reached the unit holding it; 0 when routed at filing), accepted by the end
(the backend's state) and in time (before the response deadline the backend set), returned and re-dispatched,
reached "due soon" and "overdue" (the backend's escalation rows); and the latency of each API call under this load.
"""

import asyncio
import heapq
import itertools
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from bench.report import write_section
from bench.traffic import LANGUAGES
from bot.gazetteer import Gazetteer, Subdistrict, load_gazetteer
from bot.taxonomy import Category, Taxonomy, load_taxonomy
from hotline.config import DEV_API_KEY, DEV_OPERATOR_TOKEN
from hotline.db import Database
from hotline.dispatch.escalation import StepRows, fire_due_steps
from hotline.dispatch.units import SUBDISTRICT_PREFIX, Units, load_units
from hotline.domain.models import AssignmentState, DispatchState, Ticket, TicketAssignment, TicketEscalation
from tests.doubles.samples import required_answers
from tools.ports import free_port, wait_for_port
from tools.run_all import make_run_redis
from tools.stack import ROOT, SERVICES_PY, Processes

DAILY_APPEALS = 60_000
SCALE = int(os.environ.get("BENCH_WEEK_SCALE", "100"))
DAY_SECONDS = float(os.environ.get("BENCH_WEEK_DAY_SECONDS", "60"))
WEEK_DAYS, TAIL_DAYS = 7, 8
DAY, HOUR, MINUTE = 86_400.0, 3600.0, 60.0
WEEKDAY_FACTOR = [1.0, 1.0, 1.0, 1.0, 1.0, 0.75, 0.7]  # Monday..Sunday (an assumption)
HOURLY = [0.8, 0.5, 0.4, 0.3, 0.3, 0.5, 1.5, 3.5, 6.5, 7.5, 7.5, 6.5, 5.0, 6.0, 7.0, 7.0, 6.5, 5.5, 4.5,
          4.0, 3.5, 3.0, 2.0, 1.7]  # bench/bench_day.py's daily curve: weights per hour (they sum to 91.5, not 100)
TOP_SHARES = {"housing_property": 18, "urban_management": 15, "market_regulation": 12, "utilities": 12,
              "transport": 10, "labor_social_security": 9, "environment": 8, "public_security": 4, "education": 4,
              "health": 4, "civil_affairs": 3, "emergency_safety": 1}
DISTRICT_PEOPLE = {"Chaoyang District": 345, "Haidian District": 313, "Changping District": 227,
                   "Fengtai District": 202, "Daxing District": 199, "Tongzhou District": 184, "Shunyi District": 132,
                   "Fangshan District": 131, "Xicheng District": 110, "Dongcheng District": 71,
                   "Shijingshan District": 57, "Miyun District": 53, "Pinggu District": 46, "Huairou District": 44,
                   "Mentougou District": 39, "Yanqing District": 35}  # 10,000s
CHANNELS = [("wechat", 70), ("webchat", 20), ("telegram", 10)]  # as bench/bench_day.py
NAMED_WRONG, DISTRICT_ONLY, MISFILED = 0.05, 0.07, 0.06
POLL, ESCALATION_EVERY = 2 * MINUTE, 10 * MINUTE
OPERATOR_DELAY = (3 * MINUTE, 0.7)  # lognormal: median, sigma
RETURN_DELAY = (40 * MINUTE, 0.8)
LATE_SHARES = (0.05, 0.05)  # of acceptances and of resolutions: near the deadline (80-98%), past it (102-160%)
WITHIN = 5 * MINUTE


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Appeal:
    number: int
    filed: float  # simulated seconds since Monday 00:00
    truth: Category  # what it is about
    category: Category  # what it was filed under
    place: Subdistrict  # where it is
    named: Subdistrict | None  # the sub-district its address names (None: only the district)
    address: str
    language: str
    channel: str
    sid: str = ""
    unit: str | None = None  # the unit holding it
    response_period: float = 0.0  # seconds from filing, as the backend set the deadlines
    resolution_period: float = 0.0
    dispatched: float | None = None  # simulated time of the dispatch that reached ``unit``
    seen: int = 0  # Week.dispatches when that dispatch's answer came
    accepted: float | None = None


# ---- the week's appeals ----

def _pick(rng: random.Random, weighted: list[tuple[Any, float]]) -> Any:
    return rng.choices([item for item, _ in weighted], weights=[weight for _, weight in weighted])[0]


def arrivals(rng: random.Random) -> Iterator[float]:
    """Filing times over the week: Poisson within each hour, at the hour's share of the day's appeals."""
    for day in range(WEEK_DAYS):
        for hour, share in enumerate(HOURLY):
            rate = DAILY_APPEALS / SCALE * WEEKDAY_FACTOR[day] * share / sum(HOURLY) / HOUR
            start = moment = day * DAY + hour * HOUR
            while (moment := moment + rng.expovariate(rate)) < start + HOUR:
                yield moment


def plan_week(rng: random.Random, taxonomy: Taxonomy, gazetteer: Gazetteer) -> list[Appeal]:
    leaves: dict[str, list[Category]] = defaultdict(list)
    for leaf in taxonomy.leaves:
        if leaf.code != "operator_callback":
            leaves[leaf.top].append(leaf)
    by_district: dict[str, list[Subdistrict]] = defaultdict(list)
    for sub in gazetteer.subdistricts.values():
        by_district[gazetteer.districts[sub.district_code].name_en].append(sub)
    appeals = []
    for number, filed in enumerate(arrivals(rng)):
        truth = rng.choice(leaves[_pick(rng, list(TOP_SHARES.items()))])
        category = truth
        if rng.random() < MISFILED:
            others = [leaf for leaf in leaves[truth.top] if leaf.department != truth.department]
            category = rng.choice(others) if others else truth
        district = _pick(rng, list(DISTRICT_PEOPLE.items()))
        place = rng.choice(by_district[district])
        draw = rng.random()
        named: Subdistrict | None = place
        if draw < NAMED_WRONG:
            named = rng.choice([s for s in by_district[district] if s != place] or [place])
        elif draw < NAMED_WRONG + DISTRICT_ONLY:
            named = None
        zh_district = gazetteer.districts[place.district_code].name_zh
        address = f"北京市{zh_district}" + (f"{named.name_zh}{rng.randint(1, 40)}号院" if named else "我家楼下")
        language = _pick(rng, [(code, float(weight)) for code, weight in LANGUAGES])
        appeals.append(Appeal(number, filed, truth, category, place, named, address, language,
                              _pick(rng, [(name, float(weight)) for name, weight in CHANNELS])))
    return appeals


def truth_unit(units: Units, appeal: Appeal) -> str | None:
    return units.for_routing(appeal.truth.department, appeal.place.code)


# ---- simulated time, played in real time ----

Action = Callable[[float], Coroutine[Any, Any, None]]  # called with its simulated time


class Timeline:
    """Actions at simulated times, each sent when its time comes (``DAY_SECONDS`` real seconds a day).

    An action may add later ones. A ``settle`` action waits until every action sent before it is done, so it
    sees the state the simulated clock says (the escalation pass)."""

    def __init__(self) -> None:
        self.queue: list[tuple[float, int, bool, Action]] = []
        self.order = itertools.count()
        self.running: set[asyncio.Task[None]] = set()
        self.lag: list[float] = []  # real seconds each action was sent after its time (settling ones aside)
        self.began = 0.0

    def at(self, when: float, action: Action, *, settle: bool = False) -> None:
        heapq.heappush(self.queue, (when, next(self.order), settle, action))

    def real(self, when: float) -> float:
        return self.began + when / DAY * DAY_SECONDS

    async def run(self, until: float) -> None:
        self.began = time.monotonic()
        while self.queue and self.queue[0][0] <= until:
            when, _, settle, action = heapq.heappop(self.queue)
            await asyncio.sleep(max(0.0, self.real(when) - time.monotonic()))
            if settle:
                await self.wait()
                if self.queue and self.queue[0][0] < when:  # steps added meanwhile go first
                    self.at(when, action, settle=True)
                    continue
                await action(when)
            else:
                self.lag.append(max(0.0, time.monotonic() - self.real(when)))
                task = asyncio.create_task(action(when))
                self.running.add(task)
                task.add_done_callback(self.running.discard)
        await self.wait()

    async def wait(self) -> None:
        while self.running:
            await asyncio.gather(*self.running)


# ---- the API, timed ----

@dataclass
class Calls:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # ms
    errors: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)  # the first error of each kind
    per_second: Counter[int] = field(default_factory=Counter)
    lag: list[float] = field(default_factory=list)  # real seconds each step was sent after its time
    fired: int = 0  # deadline steps recorded
    passes: list[float] = field(default_factory=list)  # ms each escalation pass took


class Api:
    def __init__(self, client: httpx.AsyncClient, calls: Calls, operator: str, handlers: dict[str, str]) -> None:
        self.client, self.calls, self.operator, self.handlers = client, calls, operator, handlers

    async def call(self, kind: str, method: str, url: str, *, token: str | None = None, **kwargs: Any) -> Any:
        """The answer's JSON, or None when the call failed (counted, the first failure of each kind kept)."""
        headers = {**kwargs.pop("headers", {}), **({"Authorization": f"Bearer {token}"} if token else {})}
        started = time.perf_counter()
        try:
            response = await self.client.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            self._failed(kind, f"{type(exc).__name__}: {exc}")
            return None
        self.calls.latencies[kind].append((time.perf_counter() - started) * 1000)
        self.calls.per_second[int(time.monotonic())] += 1
        if response.status_code >= 300:
            self._failed(kind, f"HTTP {response.status_code} {response.text[:160]}")
            return None
        return response.json()

    def _failed(self, kind: str, what: str) -> None:
        self.calls.errors[kind] += 1
        self.calls.samples.setdefault(kind, what)


# ---- the people ----

def lognormal(rng: random.Random, spec: tuple[float, float]) -> float:
    median, sigma = spec
    return rng.lognormvariate(math.log(median), sigma)


def _seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Week:
    """Residents, the call centre and the units, acting through ``api`` on ``timeline``."""

    def __init__(self, api: Api, timeline: Timeline, units: Units, rng: random.Random, db: Database) -> None:
        self.api, self.timeline, self.units, self.rng, self.db = api, timeline, units, rng, db
        self.by_sid: dict[str, Appeal] = {}
        self.in_hand: set[str] = set()  # tickets an operator has picked up
        self.dispatches = 0  # answers of dispatches received so far

    async def file(self, appeal: Appeal, when: float) -> None:
        answer = await self.api.call("file (Open311 POST)", "POST", "/open311/v2/requests.json", data={
            **required_answers(appeal.category), "api_key": DEV_API_KEY, "service_code": appeal.category.code,
            "description": self.rng.choice(appeal.truth.examples[appeal.language]),
            "address_string": appeal.address, "language": appeal.language, "channel": appeal.channel,
            "channel_user_id": f"week-{appeal.number}"}, headers={"Idempotency-Key": f"week-{appeal.number}"})
        if answer is None:
            return
        appeal.sid = answer[0]["service_request_id"]
        self.by_sid[appeal.sid] = appeal
        ticket = await self.api.call("read a ticket", "GET", f"/api/tickets/{appeal.sid}", token=self.api.operator)
        if ticket is not None and ticket["lead_unit"]:  # routed at filing; else it waits for the call centre
            self.reached(appeal, ticket, when)

    def reached(self, appeal: Appeal, ticket: dict[str, Any], when: float) -> None:
        """A unit has the ticket: it returns what is not its own, else accepts."""
        filed = _seconds(ticket["requested_datetime"])
        appeal.response_period = _seconds(ticket["response_due"]) - filed
        appeal.resolution_period = _seconds(ticket["resolution_due"]) - filed
        appeal.unit, appeal.dispatched = ticket["lead_unit"], when
        self.dispatches += 1
        appeal.seen = self.dispatches
        truth = truth_unit(self.units, appeal)
        if (appeal.category != appeal.truth or appeal.named != appeal.place) and appeal.unit != truth:
            wrong_place = appeal.unit.startswith(SUBDISTRICT_PREFIX) and (truth or "").startswith(SUBDISTRICT_PREFIX)
            reason = "wrong_place" if wrong_place and appeal.category == appeal.truth else "not_ours"
            self.timeline.at(when + lognormal(self.rng, RETURN_DELAY), partial(self.give_back, appeal, reason))
        else:
            self.timeline.at(self._decided(appeal.filed, appeal.response_period, when, 0.1),
                             partial(self.accept, appeal))

    def _decided(self, start: float, period: float, earliest: float, median: float) -> float:
        """When a unit acts on a deadline ``period`` after ``start``: mostly early, ``LATE_SHARES`` near or past it."""
        draw, (near, late) = self.rng.random(), LATE_SHARES
        if draw < near:
            at = start + period * self.rng.uniform(0.8, 0.98)
        elif draw < near + late:
            at = start + period * self.rng.uniform(1.02, 1.6)
        else:
            at = earliest + min(self.rng.lognormvariate(math.log(period * median), 0.9), period * 0.75)
        return max(at, earliest + MINUTE)

    async def accept(self, appeal: Appeal, when: float) -> None:
        assert appeal.unit is not None
        if await self.api.call("accept", "POST", f"/api/tickets/{appeal.sid}/accept",
                               token=self.api.handlers[appeal.unit], json={}) is None:
            return
        appeal.accepted = when
        resolve = self._decided(appeal.filed, appeal.resolution_period, when, 0.3)
        self.timeline.at(resolve, partial(self.resolve, appeal))

    async def give_back(self, appeal: Appeal, reason: str, when: float) -> None:
        assert appeal.unit is not None
        note = "不属于我单位职责" if reason == "not_ours" else "不在本街道辖区"
        await self.api.call("return", "POST", f"/api/tickets/{appeal.sid}/return",
                            token=self.api.handlers[appeal.unit], json={"reason": reason, "note": note})

    async def resolve(self, appeal: Appeal, when: float) -> None:
        await self.api.call("resolve (status update)", "POST", f"/api/tickets/{appeal.sid}/updates",
                            token=self.api.operator, json={"status": "resolved", "note": "已办结"})

    async def poll(self, when: float) -> None:
        """The call centre's screen: tickets no unit holds, each picked up by an operator a little later."""
        self.timeline.at(when + POLL, self.poll)
        sent = self.dispatches
        page = await self.api.call("call centre queue", "GET", "/api/dispatch/queue?limit=500", token=self.api.operator)
        for row in (page or {}).get("tickets", []):
            sid = row["service_request_id"]
            appeal = self.by_sid.get(sid)
            # A page that crossed a (re-)dispatch of the ticket is stale there: the next one shows it if it still waits.
            if appeal is not None and sid not in self.in_hand and appeal.seen <= sent:
                self.in_hand.add(sid)
                returned = row["dispatch_state"] == "returned"
                self.timeline.at(when + lognormal(self.rng, OPERATOR_DELAY), partial(self.handle, sid, returned))

    async def handle(self, sid: str, returned: bool, when: float) -> None:
        appeal = self.by_sid[sid]
        try:
            if returned:  # a unit gave it back: the operator calls the resident and corrects the ticket
                change: dict[str, str] = {"reason": "退回后核实，改派"}
                if appeal.category != appeal.truth:
                    change["service_code"] = appeal.truth.code
                if appeal.named != appeal.place:
                    change["subdistrict_code"] = appeal.place.code
                ticket = await self.api.call("re-dispatch", "POST", f"/api/tickets/{sid}/redispatch",
                                             token=self.api.operator, json=change)
            else:  # no unit was found at filing: the operator finds out where it is and names the unit
                unit = truth_unit(self.units, appeal)
                ticket = await self.api.call("dispatch", "POST", f"/api/tickets/{sid}/dispatch",
                                             token=self.api.operator, json={"unit": unit, "reason": "核实地址后派单"})
            if ticket is not None:
                self.reached(appeal, ticket, when)
        finally:
            self.in_hand.discard(sid)

    async def escalate(self, when: float) -> None:
        """The sweep's step for every ticket, each at its own simulated now (see the module doc)."""
        self.timeline.at(when + ESCALATION_EVERY, self.escalate, settle=True)
        started = time.perf_counter()
        self.api.calls.fired += await asyncio.to_thread(escalation_pass, self.db, self.by_sid, when)
        self.api.calls.passes.append((time.perf_counter() - started) * 1000)


def escalation_pass(db: Database, appeals: dict[str, Appeal], now: float) -> int:
    """``fire_due_steps`` on every ticket whose next step is due at its own simulated now; how many fired."""
    with db.read() as session:
        pending = session.execute(select(Ticket.id, Ticket.service_request_id, Ticket.requested_at,
                                         Ticket.next_escalation_at).where(Ticket.next_escalation_at.is_not(None))).all()
    due: dict[int, datetime] = {}
    for ticket_id, sid, requested_at, next_at in pending:
        appeal = appeals.get(sid)
        at = requested_at + timedelta(seconds=now - appeal.filed) if appeal else None
        if at is not None and next_at is not None and next_at <= at:
            due[ticket_id] = at
    if not due:
        return 0
    with db.write() as session, session.begin():
        rows = StepRows()
        fired = sum(fire_due_steps(session, ticket, now=due[ticket.id], rows=rows)
                    for ticket in session.scalars(select(Ticket).where(Ticket.id.in_(due))).all())
        rows.insert(session)
    return fired


# ---- the run ----



async def staff(client: httpx.AsyncClient, units: Units) -> tuple[str, dict[str, str]]:
    """An operator for the call centre and a handler for every unit, created as an admin would."""
    admin = {"Authorization": f"Bearer {DEV_OPERATOR_TOKEN}"}

    async def member(name: str, role: str, unit: str | None = None) -> str:
        response = await client.post("/api/staff", headers=admin, json={"name": name, "role": role, "unit": unit})
        response.raise_for_status()
        return str(response.json()["token"])

    operator = await member("callcentre-1", "operator")
    handlers = {}
    for unit in units.all():
        handlers[unit.id] = await member(f"handler-{unit.id.replace(':', '-')}", "handler", unit.id)
    return operator, handlers


async def play(base_url: str, db: Database, appeals: list[Appeal], units: Units, rng: random.Random) -> Calls:
    calls = Calls()
    async with httpx.AsyncClient(base_url=base_url, timeout=60, trust_env=False,
                                 limits=httpx.Limits(max_connections=100)) as client:
        operator, handlers = await staff(client, units)
        timeline = Timeline()
        week = Week(Api(client, calls, operator, handlers), timeline, units, rng, db)
        for appeal in appeals:
            timeline.at(appeal.filed, partial(week.file, appeal))
        timeline.at(0.0, week.poll)
        timeline.at(ESCALATION_EVERY, week.escalate, settle=True)
        horizon = (WEEK_DAYS + TAIL_DAYS) * DAY
        log(f"{len(appeals):,} appeals over {WEEK_DAYS} days, {TAIL_DAYS} days more for their deadlines: "
            f"{horizon / DAY * DAY_SECONDS / 60:.0f} minutes")
        await timeline.run(horizon)
        calls.fired += escalation_pass(db, week.by_sid, horizon)
    calls.lag = sorted(timeline.lag)
    return calls


@dataclass
class Outcome:
    appeals: int = 0
    within: int = 0  # dispatched within WITHIN of filing
    accepted: int = 0
    in_time: int = 0  # accepted before the response deadline
    redispatched: int = 0  # returned, then re-dispatched
    due_soon: int = 0  # reached "due soon" (or "overdue") on a deadline
    overdue: Counter[str] = field(default_factory=Counter)  # by deadline
    waits: list[float] = field(default_factory=list)  # simulated seconds to dispatch


def outcomes(db: Database, appeals: list[Appeal]) -> dict[str, Outcome]:
    """Per unit type, from the backend's database (states, returns, escalations) and the schedule (times)."""
    with db.read() as session:
        tickets = {sid: (unit, state, accepted) for sid, unit, state, accepted in session.execute(
            select(Ticket.service_request_id, Ticket.lead_unit, Ticket.dispatch_state, Ticket.accepted_at)).all()}
        returned = set(session.scalars(select(Ticket.service_request_id).join(
            TicketAssignment, TicketAssignment.ticket_id == Ticket.id)
            .where(TicketAssignment.state == AssignmentState.RETURNED.value)).all())
        steps: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for sid, kind, level in session.execute(
                select(Ticket.service_request_id, TicketEscalation.kind, TicketEscalation.level)
                .join(TicketEscalation, TicketEscalation.ticket_id == Ticket.id)).all():
            steps[sid].add((kind, level))
    groups: dict[str, Outcome] = defaultdict(Outcome)
    for appeal in appeals:
        if not appeal.sid:
            continue
        unit, state, accepted = tickets[appeal.sid]
        kind = "sub-district office" if (unit or "").startswith(SUBDISTRICT_PREFIX) else \
            "department" if unit else "no unit at the end"
        for group in (groups[kind], groups["all"]):
            group.appeals += 1
            if appeal.dispatched is not None:
                group.waits.append(appeal.dispatched - appeal.filed)
                group.within += appeal.dispatched - appeal.filed <= WITHIN
            group.accepted += accepted is not None
            group.in_time += appeal.accepted is not None and appeal.accepted <= appeal.filed + appeal.response_period
            group.redispatched += appeal.sid in returned and state != DispatchState.RETURNED.value
            group.due_soon += bool(steps[appeal.sid])
            group.overdue.update(deadline for deadline, level in steps[appeal.sid] if level == "overdue")
    return dict(sorted(groups.items(), key=lambda item: (item[0] == "all", item[0])))


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < MINUTE else f"{seconds / MINUTE:.1f} min" if seconds < HOUR \
        else f"{seconds / HOUR:.1f} h"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def report(groups: dict[str, Outcome], calls: Calls, filed: int, seconds: float) -> str:
    lines = ["## A simulated week through dispatch (bench/bench_dispatch_week.py)", "",
             f"{filed:,} appeals (1/{SCALE} of Beijing's ~{DAILY_APPEALS:,} a day, weekday and hourly curve, the "
             "category mix of the module doc) filed over a simulated December week through the real backend "
             f"(`python -m hotline`, SQLite, Redis, as `make run` starts it), {DAY_SECONDS:.0f} real seconds per "
             f"simulated day, {TAIL_DAYS} more days for the deadlines. Units accept after a random delay, return "
             f"what is not theirs ({MISFILED:.0%} misfiled categories, {NAMED_WRONG:.0%} addresses naming another "
             f"sub-district, {DISTRICT_ONLY:.0%} naming only the district), {LATE_SHARES[0]:.0%} act near and "
             f"{LATE_SHARES[1]:.0%} after a deadline. Times are simulated; escalation is the sweep's per-ticket "
             "step run on each ticket's simulated clock (what is real and what is simulated: the module doc).", "",
             "| unit type | appeals | dispatched within 5 min | time to dispatch p50 / p95 | accepted (in time) | "
             "returned and re-dispatched | reached due soon | overdue: response / resolution |",
             "|---|---|---|---|---|---|---|---|"]
    for name, group in groups.items():
        waits = sorted(group.waits) or [0.0]
        lines.append(f"| {name} | {group.appeals:,} | {_pct(group.within, group.appeals)} | "
                     f"{_duration(statistics.median(waits))} / {_duration(waits[int(len(waits) * 0.95)])} | "
                     f"{_pct(group.accepted, group.appeals)} ({_pct(group.in_time, group.appeals)}) | "
                     f"{_pct(group.redispatched, group.appeals)} | {_pct(group.due_soon, group.appeals)} | "
                     f"{_pct(group.overdue['response'], group.appeals)} / "
                     f"{_pct(group.overdue['resolution'], group.appeals)} |")
    lines += ["", "| API call under this load | calls | errors | p50 ms | p95 ms | p99 ms |",
              "|---|---|---|---|---|---|"]
    for kind, values in sorted(calls.latencies.items()):
        ordered = sorted(values)
        lines.append(f"| {kind} | {len(values):,} | {calls.errors[kind]} | {statistics.median(ordered):.1f} | "
                     f"{ordered[int(len(ordered) * 0.95)]:.1f} | {ordered[int(len(ordered) * 0.99)]:.1f} |")
    busiest = max(calls.per_second.values(), default=0)
    total = sum(len(values) for values in calls.latencies.values())
    lag = calls.lag
    lines += ["", f"{total:,} API calls, {total / seconds:.0f} a second on average, {busiest} in the busiest second; "
              f"{calls.fired:,} deadline steps fired; steps were sent after their time by "
              f"{statistics.median(lag) * 1000:.0f} ms (median), {lag[int(len(lag) * 0.99)] * 1000:.0f} ms (p99), "
              f"{lag[-1]:.1f} s at most. The escalation pass (every {ESCALATION_EVERY / MINUTE:.0f} simulated "
              f"minutes, {len(calls.passes):,} in all) took {statistics.median(calls.passes):.0f} ms (median), "
              f"{sorted(calls.passes)[int(len(calls.passes) * 0.95)]:.0f} ms (p95)."]
    if calls.samples:
        lines += ["", "First error of each call: " + "; ".join(f"{k}: {text}" for k, text in calls.samples.items())]
    lines += ["", f"Run {time.strftime('%Y-%m-%d')}, {seconds / 60:.0f} minutes, 2 cores."]
    return "\n".join(lines)


def main() -> int:
    rng = random.Random(12345)
    taxonomy, gazetteer = load_taxonomy(), load_gazetteer()
    units = load_units(taxonomy, gazetteer)
    appeals = plan_week(rng, taxonomy, gazetteer)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-week-") as folder, make_run_redis("bench-week-redis-") as redis_url:
        database_url = f"sqlite:///{Path(folder) / 'hotline.db'}"
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONHOME"))}
        env.update(PYTHONPATH=str(ROOT), DATABASE_URL=database_url, REDIS_URL=redis_url, HOTLINE_PORT=str(port))
        processes = Processes(Path(folder))
        processes.start("backend", [str(SERVICES_PY), "-m", "hotline"], env)
        try:
            wait_for_port(port, timeout=60)
            db = Database(database_url)
            calls = asyncio.run(play(f"http://127.0.0.1:{port}", db, appeals, units, rng))
            groups = outcomes(db, appeals)
            db.dispose()
        finally:
            processes.stop_all()
    text = report(groups, calls, sum(1 for a in appeals if a.sid), time.monotonic() - started)
    print(text)
    if "--no-write" not in sys.argv:
        write_section("dispatch-week", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
