"""Files queued appeals once the backend is back, and tells each resident their ticket id.

Queued survey answers (``kind="rating"``) are submitted the same way; the resident was already
thanked, so nothing more is said.

Run beside the action server: ``python -m actions.outbox_worker`` (``make run`` does). The
resident is told through Rasa (``trigger_intent`` EXTERNAL_appeal_filed), so the message is
spoken in their language on their channel.
"""

import asyncio
import logging
from urllib.parse import quote

import httpx

from actions import deps
from actions.appeal_outbox import AppealOutbox, QueuedAppeal
from actions.hotline_client import HotlineClient, HotlineRejected, HotlineUnavailable
from actions.settings import ActionSettings, load_action_settings
from bot.rasa_jwt import AdminTokens

log = logging.getLogger(__name__)
POLL_SECONDS = 2.0


class OutboxWorker:
    def __init__(self, outbox: AppealOutbox, hotline: HotlineClient, settings: ActionSettings,
                 rasa: httpx.AsyncClient | None = None) -> None:
        self.outbox = outbox
        self.hotline = hotline
        self.settings = settings
        self.rasa = rasa or httpx.AsyncClient(base_url=settings.rasa_url, timeout=10)
        self.rasa_tokens = AdminTokens(settings.rasa_jwt_secret, subject="appeal-outbox")

    async def run_once(self) -> int:
        """One pass over the due appeals; returns how many were filed."""
        filed = 0
        for appeal in await self.outbox.due():
            if appeal.kind == "rating":
                await self.submit_rating(appeal)
                continue
            try:
                ticket = await self.hotline.file_request(appeal.fields, idempotency_key=appeal.idempotency_key)
            except HotlineUnavailable as exc:
                delay = await self.outbox.retry_later(appeal)
                log.info("appeal %s still waits (%s); next try in %.0f s", appeal.reference, exc, delay)
                continue
            except HotlineRejected as exc:
                log.error("backend refused queued appeal %s: %s", appeal.reference, exc)
                await self.outbox.reject(appeal, exc.description)
                continue
            await self.notify(appeal, ticket.service_request_id)
            await self.outbox.done(appeal)
            filed += 1
        return filed

    async def submit_rating(self, queued: QueuedAppeal) -> None:
        answers = queued.fields
        try:
            resident = (answers.get("channel", ""), answers.get("channel_user_id", queued.sender_id))
            rating = int(answers["rating"]) if answers.get("rating") else None
            await self.hotline.rate_ticket(answers["ticket_id"], resident=resident,
                                           resolved=answers["resolved"] == "true", rating=rating,
                                           comment=answers.get("comment", ""), language=queued.language)
        except HotlineUnavailable as exc:
            delay = await self.outbox.retry_later(queued)
            log.info("rating of %s still waits (%s); next try in %.0f s", answers["ticket_id"], exc, delay)
            return
        except HotlineRejected as exc:
            if exc.status != 409:  # 409: rated already, the rating is in
                log.error("backend refused the queued rating of %s: %s", answers["ticket_id"], exc)
                await self.outbox.reject(queued, exc.description)
                return
        await self.outbox.done(queued)

    async def notify(self, appeal: QueuedAppeal, ticket_id: str) -> None:
        """Ask Rasa to tell the resident; a failure here does not re-file (the ticket exists)."""
        try:
            response = await self.rasa.post(
                # Rasa (Sanic) does not decode path parameters: ":" of rest:<name>:<sender> stays as is
                f"/conversations/{quote(appeal.sender_id, safe=':@')}/trigger_intent",
                params={"output_channel": appeal.output_channel}, headers=self.rasa_tokens.header(),
                json={"name": "EXTERNAL_appeal_filed",
                      "entities": {"ticket_id": ticket_id, "reference": appeal.reference}},
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("filed %s as %s but could not tell the resident: %s", appeal.reference, ticket_id, exc)

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # Redis hiccups: keep the worker alive, try again next pass
                log.exception("outbox pass failed")
            await asyncio.sleep(POLL_SECONDS)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    outbox = deps.appeal_outbox()
    if outbox is None:
        raise SystemExit("REDIS_URL is not set: there is no appeal outbox to work on")
    asyncio.run(OutboxWorker(outbox, deps.hotline(), load_action_settings()).run_forever())


if __name__ == "__main__":
    main()
