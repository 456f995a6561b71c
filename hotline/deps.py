"""The backend's wiring, built once per process, and its FastAPI dependency aliases."""

from dataclasses import dataclass
from typing import Annotated

import redis
from fastapi import Depends, Request

from bot.gazetteer import Gazetteer
from bot.suggest import CategorySuggester
from bot.taxonomy import Taxonomy
from hotline.config import Settings
from hotline.db import Database
from hotline.dispatch.clock import DeadlineClock
from hotline.dispatch.links import Linker
from hotline.dispatch.units import Units
from hotline.dispatch.workflow import Dispatcher
from hotline.domain.lifecycle import Lifecycle
from hotline.domain.tickets import TicketDesk


@dataclass
class Backend:
    settings: Settings
    db: Database
    taxonomy: Taxonomy
    gazetteer: Gazetteer
    desk: TicketDesk
    lifecycle: Lifecycle
    units: Units
    dispatcher: Dispatcher
    deadline_clock: DeadlineClock
    linker: Linker
    suggester: CategorySuggester
    redis_client: redis.Redis  # the events stream: the relay, /ready, /api/ops/redis (connects on first use)


def get_backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


BackendDep = Annotated[Backend, Depends(get_backend)]
