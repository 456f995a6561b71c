"""/api/ops/: what an administrator checks when the hotline misbehaves; admins only."""

from typing import Any

import redis
from fastapi import APIRouter

from hotline.api.auth import Admin
from hotline.deps import BackendDep
from hotline.outbox import STREAM_MAXLEN
from hotline.stream_report import stream_report

router = APIRouter(prefix="/api/ops", tags=["ops"])


@router.get("/redis")
def get_redis_report(backend: BackendDep, _admin: Admin) -> dict[str, Any]:
    """The events stream's length, each consumer group's lag and pending, Redis memory and its policy.

    ``{"redis": "down"}`` when Redis does not answer: the report itself worked, and says so.
    """
    try:
        report = stream_report(backend.redis_client, backend.settings.events_stream, trim_length=STREAM_MAXLEN,
                               alarm_fraction=backend.settings.stream_alarm_fraction)
    except redis.RedisError:
        return {"redis": "down"}
    return {"redis": "ok", **report.as_dict()}
