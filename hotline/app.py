"""The one place where the backend is built and wired (composition root)."""

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import redis
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import DataError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.errors import InvalidText
from bot.gazetteer import load_gazetteer
from bot.suggest import CategorySuggester
from bot.taxonomy import Taxonomy, load_taxonomy
from hotline.api.deadlines import router as deadlines_router
from hotline.api.dispatch import router as dispatch_router
from hotline.api.me_too import router as me_too_router
from hotline.api.ops import router as ops_router
from hotline.api.routes import router as api_router
from hotline.api.translation import router as translation_router
from hotline.api.urgent_place import router as urgent_place_router
from hotline.config import Settings
from hotline.console.routes import router as console_router
from hotline.db import Database, migrate
from hotline.deps import Backend
from hotline.dispatch.clock import DeadlineClock
from hotline.dispatch.duplicates import DuplicateDetector
from hotline.dispatch.escalation import EscalationSweep
from hotline.dispatch.links import Linker
from hotline.dispatch.workflow import Dispatcher
from hotline.domain.errors import BackendError
from hotline.domain.lifecycle import Lifecycle
from hotline.domain.tickets import TicketDesk
from hotline.leadership import RELAY_LOCK, leader_lock
from hotline.limits import BodySizeLimit, CheckURL, error_format
from hotline.open311.formats import render_error
from hotline.open311.routes import router as open311_router
from hotline.outbox import STREAM_MAXLEN, OutboxRelay, RelayThread
from hotline.rate_limits import FilingLimits, FilingPolicy, build_filing_limits, parse_networks
from hotline.stream_report import StreamWatch

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _taxonomy_indexes(path: Path, modified_ns: int) -> tuple[Taxonomy, CategorySuggester, DuplicateDetector]:
    """The taxonomy and its two indexes (about 50 MB with six examples a leaf), built once per file version in a
    process: every backend built here shares them (they are read-only and thread-safe)."""
    taxonomy = load_taxonomy(path)
    return taxonomy, CategorySuggester(taxonomy), DuplicateDetector(taxonomy)


def build_backend(settings: Settings) -> Backend:
    """Load data files, open the database and migrate it, build the services."""
    settings.check()
    db = Database(settings.database_url)
    migrate(db.engine)
    path = settings.data_dir / "taxonomy.json"
    taxonomy, suggester, detector = _taxonomy_indexes(path, path.stat().st_mtime_ns)
    gazetteer = load_gazetteer(settings.data_dir)
    desk = TicketDesk(db, taxonomy, gazetteer, merge_window=timedelta(minutes=settings.urgent_merge_minutes))
    lifecycle = Lifecycle(db)
    return Backend(
        settings=settings, db=db, taxonomy=taxonomy, gazetteer=gazetteer, desk=desk, lifecycle=lifecycle,
        units=desk.units,
        dispatcher=Dispatcher(db, units=desk.units, taxonomy=taxonomy, gazetteer=gazetteer, lifecycle=lifecycle,
                              rules=desk.rules),
        deadline_clock=DeadlineClock(db, rules=desk.rules),
        linker=Linker(db, detector=detector, lifecycle=lifecycle),
        suggester=suggester,
        redis_client=redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2),
    )


def make_relay(backend: Backend) -> OutboxRelay:
    return OutboxRelay(backend.db, backend.redis_client, stream=backend.settings.events_stream)


def make_relay_thread(backend: Backend) -> RelayThread:
    """The outbox relay, publishing only while this replica holds the relay lock, its stream watch and the
    escalation sweep (both run by the same leader: one of each however many replicas start)."""
    settings = backend.settings
    watch = StreamWatch(backend.redis_client, settings.events_stream, trim_length=STREAM_MAXLEN,
                        alarm_fraction=settings.stream_alarm_fraction, every_seconds=settings.stream_report_seconds)
    sweep = EscalationSweep(backend.db, every=timedelta(seconds=settings.escalation_sweep_seconds))
    return RelayThread(make_relay(backend), settings.relay_interval_seconds,
                       leadership=leader_lock(backend.db.engine, RELAY_LOCK), watch=watch, sweep=sweep)


def readiness(backend: Backend, relay: RelayThread | None) -> dict[str, str]:
    """What ``GET /ready`` reports: only the database decides readiness; Redis outages wait in the outbox."""
    try:
        with backend.db.read() as session:
            session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        database = "down"
    try:
        backend.redis_client.ping()
        redis_state = "ok"
    except redis.RedisError:
        redis_state = "down"
    return {"database": database, "redis": redis_state, "relay": relay.role if relay else "off"}


# Characters XML 1.0 cannot carry; error descriptions quote the input, which may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def error_response(request: Request, status_code: int, description: str) -> Response:
    """The Open311 error body in the format of the request's path, readable whatever the input held."""
    return render_error(error_format(request.url.path), status_code,  # type: ignore[arg-type]
                        _NOT_XML.sub("\ufffd", description))


def make_filing_limits(settings: Settings) -> FilingLimits:
    policy = FilingPolicy(
        per_client=settings.address_rate_per_minute, per_assistant_key=settings.key_rate_per_minute,
        per_other_key=settings.other_key_rate_per_minute, assistant_keys=settings.assistant_keys,
        trusted_proxies=parse_networks(settings.trusted_proxies),
    )
    return build_filing_limits(policy, settings.redis_url)


def create_app(settings: Settings, *, run_relay: bool = True) -> FastAPI:
    backend = build_backend(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        relay = make_relay_thread(backend) if run_relay else None
        if relay:
            relay.start()
        app.state.relay = relay
        try:
            yield
        finally:
            app.state.relay = None
            if relay:
                relay.stop()
            backend.db.dispose()

    app = FastAPI(title="12345 hotline backend", version="1.0", lifespan=lifespan)
    app.state.backend = backend
    app.state.relay = None
    app.state.filing_limits = make_filing_limits(settings)
    app.include_router(open311_router)
    app.include_router(api_router)
    app.include_router(dispatch_router)
    app.include_router(deadlines_router)
    app.include_router(me_too_router)
    app.include_router(urgent_place_router)
    app.include_router(ops_router)
    app.include_router(translation_router)
    app.include_router(console_router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(CheckURL)

    @app.get("/health")
    def health() -> dict[str, str]:
        """Liveness: the process answers (no I/O)."""
        return {"status": "ok"}

    @app.get("/ready")
    def ready(request: Request) -> Response:
        """Readiness: 200 when the database answers ``SELECT 1``, else 503; Redis and the relay's role reported."""
        state = readiness(backend, request.app.state.relay)
        return JSONResponse(state, status_code=200 if state["database"] == "ok" else 503)

    @app.exception_handler(BackendError)
    async def backend_error(request: Request, exc: BackendError) -> Response:
        return error_response(request, exc.status_code, exc.description)

    @app.exception_handler(RecursionError)
    async def too_deep(request: Request, exc: RecursionError) -> Response:
        # Only input nested deeper than any parser here allows gets this far: the client's error.
        return error_response(request, 400, "the input is nested too deeply")

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def out_of_range(request: Request, exc: Exception) -> Response:
        # A number (an offset of 2**64) or a value the database cannot hold: the input's fault, but logged,
        # since a bound belongs in the route's validation.
        log.warning("%s %s: value out of range: %s", request.method, request.url.path, str(exc).splitlines()[0])
        return error_response(request, 400, "a value in the request is out of range")

    @app.exception_handler(InvalidText)
    async def invalid_text(request: Request, exc: InvalidText) -> Response:
        return error_response(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return error_response(request, 422, f"{where}: {first.get('msg', 'invalid')}".strip(": "))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request, exc.status_code, str(exc.detail))

    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory hotline.app:app_from_env`` (settings from the environment)."""
    from hotline.config import load_settings

    return create_app(load_settings())
