"""A fake hotline backend for action unit tests, and a tracker builder.

The fake stands in for the backend (an external system); the actions under test are real.
"""

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker

from actions.hotline_client import (
    CategorySuggestion,
    FiledTicket,
    HotlineRejected,
    HotlineUnavailable,
    OpenCase,
    ResidentTicket,
)


@dataclass
class FakeHotline:
    """Records what the actions ask; ``down`` makes every call fail like a dead backend."""

    down: bool = False
    reject_with: str | None = None
    filed: list[tuple[dict[str, str], str]] = field(default_factory=list)
    ratings: list[tuple[str, bool, int | None, str]] = field(default_factory=list)
    raters: list[tuple[str, str]] = field(default_factory=list)
    tickets: dict[tuple[str, str], list[ResidentTicket]] = field(default_factory=dict)
    suggestions: list[CategorySuggestion] = field(default_factory=lambda: [
        CategorySuggestion("street_light_out", "路灯不亮", 0.8),
        CategorySuggestion("traffic_signal_fault", "信号灯故障", 0.1),
        CategorySuggestion("road_excavation_unrestored", "道路开挖未恢复", 0.05),
    ])
    open_case: OpenCase | None = None  # what same_case finds for a new ticket
    joined: list[tuple[str, tuple[str, str], str]] = field(default_factory=list)  # (ticket, resident, master)
    places: list[tuple[str, tuple[str, str], str]] = field(default_factory=list)  # (ticket, resident, place)
    definitions: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {
        "street_light_out": [{"code": "recurring", "required": True, "order": 2, "datatype": "singlevaluelist",
                              "description": "这个问题是一次性的还是反复出现？",
                              "values": [{"key": "once", "name": "一次"}, {"key": "repeated", "name": "反复出现"},
                                         {"key": "unknown", "name": "不确定"}]}],
    })

    def _check(self) -> None:
        if self.down:
            raise HotlineUnavailable("connection refused")
        if self.reject_with:
            raise HotlineRejected(400, self.reject_with)

    async def same_case(self, service_request_id: str, *, resident: tuple[str, str],
                        language: str) -> OpenCase | None:
        self._check()
        return self.open_case

    async def me_too(self, service_request_id: str, *, resident: tuple[str, str], master: str) -> None:
        self._check()
        self.joined.append((service_request_id, resident, master))

    async def add_place(self, service_request_id: str, *, resident: tuple[str, str], place: str) -> None:
        self._check()
        self.places.append((service_request_id, resident, place))

    async def file_request(self, fields: dict[str, str], *, idempotency_key: str) -> FiledTicket:
        self._check()
        previous = [key for _, key in self.filed]
        number = previous.index(idempotency_key) + 1 if idempotency_key in previous else len(self.filed) + 1
        if idempotency_key not in previous:
            self.filed.append((fields, idempotency_key))
        return FiledTicket(f"2026112200000{number:02d}", "2026-11-25T14:00:00+08:00", "ok")

    async def suggest(self, text: str, language: str, limit: int = 3) -> list[CategorySuggestion]:
        self._check()
        return self.suggestions[:limit]

    async def service_names(self, language: str) -> dict[str, str]:
        self._check()
        return {s.service_code: s.service_name for s in self.suggestions}

    async def service_definition(self, service_code: str, language: str) -> dict[str, Any]:
        self._check()
        return {"service_code": service_code, "attributes": self.definitions.get(service_code, [])}

    async def department_of(self, service_request_id: str, language: str) -> str | None:
        self._check()
        return "北京市城市管理委员会"

    async def rate_ticket(self, service_request_id: str, *, resident: tuple[str, str], resolved: bool,
                          rating: int | None, comment: str, language: str) -> str:
        self._check()
        self.raters.append(resident)
        if any(r[0] == service_request_id for r in self.ratings):
            raise HotlineRejected(409, "this resolution has been rated already")
        self.ratings.append((service_request_id, resolved, rating, comment))
        return "closed" if resolved else "reopened"

    async def resident_tickets(self, channel: str, channel_user_id: str, language: str) -> list[ResidentTicket]:
        self._check()
        return self.tickets.get((channel, channel_user_id), [])


def tracker(*, sender: str = "resident-1", slots: dict[str, Any] | None = None, text: str = "",
            intent: str = "report_problem", entities: list[dict[str, Any]] | None = None,
            events: list[dict[str, Any]] | None = None, channel: str = "socketio",
            ranking: list[dict[str, Any]] | None = None, metadata: dict[str, Any] | None = None) -> Tracker:
    """A tracker whose latest message is ``text`` with ``intent``, on ``channel``."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or [],
              "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}], "message_id": "m-1",
              "metadata": metadata or {}}
    history = [*(events or []),
               {"event": "user", "text": text, "parse_data": latest, "input_channel": channel, "timestamp": 2.0}]
    return Tracker(sender, {"language": "zh", **(slots or {})}, latest, history, False, None,
                   {"name": None}, "action_listen")
