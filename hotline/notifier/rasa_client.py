"""Rasa's ``trigger_intent``: the one place where its HTTP answers become typed outcomes.

| answer | exception | what the notifier does |
|---|---|---|
| 2xx | none | delivered: record, XACK |
| connection error, timeout, 5xx, 408, 425, 429 | ``RasaUnavailable`` | retry with backoff; dead-letter after N |
| 401, 403 (JWT), 404 (intent not in the model) | ``RasaMisconfigured`` | retry slowly, log loudly, never drop |
| any other 4xx | ``RasaRejected`` | the request itself is wrong: dead-letter at once |
"""

from typing import Any
from urllib.parse import quote

import httpx

from bot.rasa_jwt import AdminTokens

TRANSIENT_4XX = frozenset({408, 425, 429})
CONFIG_4XX = frozenset({401, 403, 404})


class RasaError(Exception):
    """Rasa did not accept the intent."""


class RasaUnavailable(RasaError):
    """Down, slow or overloaded: try again later."""


class RasaMisconfigured(RasaError):
    """Wrong token or a model without the intent: an operator has to fix the configuration."""


class RasaRejected(RasaError):
    """Rasa refused this request; sending it again would be refused again."""


class RasaClient:
    """Asks Rasa to speak to a resident on one of its output channels."""

    def __init__(self, base_url: str, jwt_secret: str, *, timeout: float = 10.0,
                 client: httpx.AsyncClient | None = None) -> None:
        self.tokens = AdminTokens(jwt_secret, subject="notifier")
        self.http = client or httpx.AsyncClient(base_url=base_url, timeout=timeout,
                                                limits=httpx.Limits(max_connections=64))

    async def trigger(self, sender_id: str, output_channel: str, intent: str, entities: dict[str, Any]) -> None:
        """``POST /conversations/{sender_id}/trigger_intent?output_channel=...``.

        Raises:
            RasaUnavailable, RasaMisconfigured, RasaRejected: see the module's table.
        """
        try:
            response = await self.http.post(
                # Rasa (Sanic) does not decode path parameters: ":" and "@" stay as they are
                f"/conversations/{quote(sender_id, safe=':@')}/trigger_intent",
                params={"output_channel": output_channel},
                json={"name": intent, "entities": entities}, headers=self.tokens.header(),
            )
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status < 300:
            return
        detail = f"HTTP {status}: {response.text[:300]}"
        if status >= 500 or status in TRANSIENT_4XX:
            raise RasaUnavailable(detail)
        if status in CONFIG_4XX:
            raise RasaMisconfigured(detail)
        raise RasaRejected(detail)

    async def close(self) -> None:
        await self.http.aclose()
