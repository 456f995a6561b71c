"""The hotline backend over HTTP: Open311 filing, category suggestions, a resident's tickets.

HTTP failures become two typed errors, here and nowhere else: ``HotlineUnavailable`` (could
not reach it, timed out, 5xx: try again later) and ``HotlineRejected`` (a 4xx: the request
itself is wrong, retrying will not help).
"""

from dataclasses import dataclass
from typing import Any

import httpx

from bot.errors import HotlineError


class HotlineUnavailable(HotlineError):
    """The backend could not be reached or failed (network, timeout, 5xx)."""


class HotlineRejected(HotlineError):
    """The backend refused the request (4xx); ``status`` and ``description`` say why."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description


@dataclass(frozen=True)
class FiledTicket:
    service_request_id: str
    expected_datetime: str | None
    service_notice: str | None


@dataclass(frozen=True)
class CategorySuggestion:
    service_code: str
    service_name: str
    confidence: float


@dataclass(frozen=True)
class ResidentTicket:
    service_request_id: str
    service_name: str
    status: str
    updated_datetime: str | None
    last_note: str | None


@dataclass(frozen=True)
class OpenCase:
    """Someone else's open ticket as a resident may see it: what, where (sub-district), since when."""

    service_request_id: str
    service_name: str
    subdistrict: str
    requested_datetime: str


class HotlineClient:
    """One shared ``httpx.AsyncClient`` per process; every call maps failures to typed errors."""

    def __init__(self, base_url: str, *, api_key: str, service_key: str, timeout: float = 5.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.api_key = api_key
        self.service_key = service_key
        self.http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise HotlineUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise HotlineUnavailable(f"{method} {path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise HotlineRejected(response.status_code, _error_description(response))
        try:
            return response.json()
        except ValueError as exc:
            raise HotlineUnavailable(f"{method} {path}: the answer is not JSON") from exc

    async def file_request(self, fields: dict[str, str], *, idempotency_key: str) -> FiledTicket:
        """POST an Open311 service request; a retry with the same key returns the same ticket."""
        body = await self._request("POST", "/open311/v2/requests.json", data={**fields, "api_key": self.api_key},
                                   headers={"Idempotency-Key": idempotency_key})
        first = body[0]
        return FiledTicket(first["service_request_id"], first.get("expected_datetime"), first.get("service_notice"))

    async def suggest(self, text: str, language: str, limit: int = 3) -> list[CategorySuggestion]:
        body = await self._request("POST", "/api/categories/suggest",
                                   json={"text": text[:2000], "language": language, "limit": limit})
        return [CategorySuggestion(s["service_code"], s["service_name"], float(s["confidence"]))
                for s in body["suggestions"]]

    async def service_names(self, language: str) -> dict[str, str]:
        """Every leaf category's code and name in ``language``."""
        body = await self._request("GET", "/open311/v2/services.json", params={"locale": language})
        return {s["service_code"]: s["service_name"] for s in body}

    async def service_definition(self, service_code: str, language: str) -> dict[str, Any]:
        body: dict[str, Any] = await self._request(
            "GET", f"/open311/v2/services/{_segment(service_code)}.json", params={"locale": language})
        return body

    async def department_of(self, service_request_id: str, language: str) -> str | None:
        body = await self._request("GET", f"/open311/v2/requests/{service_request_id}.json",
                                   params={"locale": language})
        return body[0].get("agency_responsible") if body else None

    async def resident_tickets(self, channel: str, channel_user_id: str, language: str) -> list[ResidentTicket]:
        """This resident's tickets only: the backend matches channel and user id exactly."""
        body = await self._request(
            "GET", f"/api/residents/{_segment(channel)}/{_segment(channel_user_id)}/tickets",
            params={"lang": language}, headers={"Authorization": f"Bearer {self.service_key}"},
        )
        return [ResidentTicket(t["service_request_id"], t["service_name"], t["status"], t.get("updated_datetime"),
                               t.get("last_note")) for t in body["tickets"]]

    async def rate_ticket(self, service_request_id: str, *, resident: tuple[str, str], resolved: bool,
                          rating: int | None, comment: str, language: str) -> str:
        """Record the resident's survey answers; returns the ticket's status afterwards.

        ``resident`` is (channel, channel user id) of the conversation: the backend takes the
        rating only when the ticket is that resident's (else 404, as for a ticket that does not exist).
        """
        channel, channel_user_id = resident
        body = await self._request(
            "POST", f"/api/tickets/{_segment(service_request_id)}/satisfaction",
            json={"resolved": resolved, "rating": rating, "comment": comment[:1000], "language": language,
                  "resident": {"channel": channel, "channel_user_id": channel_user_id}},
            headers={"Authorization": f"Bearer {self.service_key}"},
        )
        return str(body.get("status", ""))

    async def same_case(self, service_request_id: str, *, resident: tuple[str, str],
                        language: str) -> OpenCase | None:
        """The open ticket the resident's new one most looks like, described without anyone's words or address."""
        channel, channel_user_id = resident
        body = await self._request(
            "POST", f"/api/tickets/{_segment(service_request_id)}/same-case",
            json={"resident": {"channel": channel, "channel_user_id": channel_user_id}, "language": language},
            headers={"Authorization": f"Bearer {self.service_key}"},
        )
        found = body.get("candidate")
        if not found:
            return None
        return OpenCase(str(found["service_request_id"]), str(found.get("service_name") or ""),
                        str(found.get("subdistrict") or ""), str(found.get("requested_datetime") or ""))

    async def me_too(self, service_request_id: str, *, resident: tuple[str, str], master: str) -> None:
        """The resident says their new ticket is the same problem as ``master``: the backend links them."""
        channel, channel_user_id = resident
        await self._request(
            "POST", f"/api/tickets/{_segment(service_request_id)}/me-too",
            json={"resident": {"channel": channel, "channel_user_id": channel_user_id}, "master": master},
            headers={"Authorization": f"Bearer {self.service_key}"},
        )

    async def add_place(self, service_request_id: str, *, resident: tuple[str, str], place: str) -> None:
        """Where the resident's urgent report is, told after filing it."""
        channel, channel_user_id = resident
        await self._request(
            "POST", f"/api/tickets/{_segment(service_request_id)}/place",
            json={"resident": {"channel": channel, "channel_user_id": channel_user_id}, "address_string": place},
            headers={"Authorization": f"Bearer {self.service_key}"},
        )

    async def close(self) -> None:
        await self.http.aclose()


def _segment(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def _error_description(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return str(body[0].get("description", ""))
    return str(body)[:200]
