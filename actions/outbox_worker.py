"""Files queued appeals once the backend is back, and tells each resident their ticket id.

Queued survey answers (``kind="rating"``) are submitted the same way; the resident was already
thanked, so nothing more is said.

Run beside the action server: ``python -m actions.outbox_worker`` (``make run`` does). The
resident is told through Rasa (``trigger_intent`` EXTERNAL_appeal_filed), so the message is
spoken in their language on their channel.

Several copies may run. Each claims a batch of due items (actions/appeal_outbox.py: atomic, with a
lease) and restarts an item's lease before working on it, skipping any another worker took over
meanwhile. An item is filed at least once (a worker killed mid-item leaves it to be claimed again
when its lease runs out; the Idempotency-Key makes that the same ticket) and the resident is told
at most once (``mark_notified`` before Rasa is asked). SIGTERM or SIGINT: no new claims, the item
in hand is finished (filed, resident told, removed), the rest of the batch is handed back due now,
and the process exits 0.
"""

import asyncio
import contextlib
import logging
import signal
from urllib.parse import quote

import httpx

from actions import deps
from actions.appeal_outbox import AppealOutbox, QueuedAppeal
from actions.hotline_client import HotlineClient, HotlineRejected, HotlineUnavailable
from actions.settings import ActionSettings, load_action_settings
from bot.rasa_jwt import AdminTokens

log = logging.getLogger(__name__)
POLL_SECONDS = 2.0
CLAIM_BATCH = 20


class OutboxWorker:
    def __init__(self, outbox: AppealOutbox, hotline: HotlineClient, settings: ActionSettings,
                 rasa: httpx.AsyncClient | None = None, *, batch: int = CLAIM_BATCH) -> None:
        self.outbox = outbox
        self.hotline = hotline
        self.settings = settings
        self.rasa = rasa or httpx.AsyncClient(base_url=settings.rasa_url, timeout=10)
        self.rasa_tokens = AdminTokens(settings.rasa_jwt_secret, subject="appeal-outbox")
        self.batch = batch
        self.stopping = asyncio.Event()

    def stop(self) -> None:
        """Take no new claims: the item in hand is finished, the rest of its batch handed back."""
        self.stopping.set()

    async def run_once(self) -> int:
        """Claim a batch of due items and work through it; returns how many appeals were filed."""
        return await self.work_through(await self.outbox.claim(self.batch))

    async def work_through(self, claimed: list[QueuedAppeal]) -> int:
        filed = 0
        for position, item in enumerate(claimed):
            if self.stopping.is_set():
                await self.hand_back(claimed[position:])
                break
            if not await self.outbox.extend(item):
                log.info("%s was taken over by another worker (our lease ran out); skipped", item.reference)
                continue
            try:
                filed += await self.work_on(item)
            except Exception:  # Redis hiccup or a bad item: it stays claimed and is due again after the lease
                log.exception("queued %s failed; it is tried again after its lease", item.reference)
        return filed

    async def work_on(self, item: QueuedAppeal) -> int:
        """File one appeal (returns 1 when it was filed) or submit one rating (returns 0)."""
        if item.kind == "rating":
            await self.submit_rating(item)
            return 0
        return int(await self.file_appeal(item))

    async def file_appeal(self, appeal: QueuedAppeal) -> bool:
        try:
            ticket = await self.hotline.file_request(appeal.fields, idempotency_key=appeal.idempotency_key)
        except HotlineUnavailable as exc:
            _log_wait(f"appeal {appeal.reference}", exc, await self.outbox.retry_later(appeal))
            return False
        except HotlineRejected as exc:
            log.error("backend refused queued appeal %s: %s", appeal.reference, exc)
            await self.outbox.reject(appeal, exc.description)
            return False
        await self.notify(appeal, ticket.service_request_id)
        await self._done(appeal)
        return True

    async def submit_rating(self, queued: QueuedAppeal) -> None:
        answers = queued.fields
        try:
            resident = (answers.get("channel", ""), answers.get("channel_user_id", queued.sender_id))
            rating = int(answers["rating"]) if answers.get("rating") else None
            await self.hotline.rate_ticket(answers["ticket_id"], resident=resident,
                                           resolved=answers["resolved"] == "true", rating=rating,
                                           comment=answers.get("comment", ""), language=queued.language)
        except HotlineUnavailable as exc:
            _log_wait(f"rating of {answers['ticket_id']}", exc, await self.outbox.retry_later(queued))
            return
        except HotlineRejected as exc:
            if exc.status != 409:  # 409: rated already, the rating is in
                log.error("backend refused the queued rating of %s: %s", answers["ticket_id"], exc)
                await self.outbox.reject(queued, exc.description)
                return
        await self._done(queued)

    async def notify(self, appeal: QueuedAppeal, ticket_id: str) -> None:
        """Ask Rasa to tell the resident, once per appeal; a failure here does not re-file (the ticket exists)."""
        if not await self.outbox.mark_notified(appeal, ticket_id):
            log.info("the resident of %s was told already (an earlier claim filed it)", appeal.reference)
            return
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

    async def hand_back(self, items: list[QueuedAppeal]) -> None:
        """Release claimed items not started, so another worker takes them now rather than after the lease."""
        for item in items:
            await self.outbox.release(item)
        if items:
            log.info("stopping: handed back %d claimed items", len(items))

    async def run_forever(self) -> None:
        """Work until ``stop``; a failed pass (Redis hiccup) is logged and tried again."""
        while not self.stopping.is_set():
            claimed: list[QueuedAppeal] = []
            try:
                claimed = await self.outbox.claim(self.batch)
                await self.work_through(claimed)
            except Exception:
                log.exception("outbox pass failed")
            if len(claimed) < self.batch:  # a full batch: more may be due, go on at once
                await self._pause(POLL_SECONDS)
        log.info("outbox worker %s stopped", self.outbox.claimant)

    async def close(self) -> None:
        await self.rasa.aclose()

    async def _done(self, item: QueuedAppeal) -> None:
        if not await self.outbox.done(item):
            log.warning("%s is held by another worker now (our lease ran out); left to it", item.reference)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)


def _log_wait(what: str, exc: Exception, delay: float | None) -> None:
    if delay is None:
        log.info("%s still waits (%s); another worker holds it now", what, exc)
    else:
        log.info("%s still waits (%s); next try in %.0f s", what, exc, delay)


async def serve(worker: OutboxWorker) -> None:
    """Run ``worker`` until SIGTERM or SIGINT, then close its clients."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, worker.stop)
    try:
        await worker.run_forever()
    finally:
        await worker.close()
        await worker.hotline.close()
        await worker.outbox.redis.close()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    outbox = deps.appeal_outbox()
    if outbox is None:
        raise SystemExit("REDIS_URL is not set: there is no appeal outbox to work on")
    asyncio.run(serve(OutboxWorker(outbox, deps.hotline(), load_action_settings())))


if __name__ == "__main__":
    main()
