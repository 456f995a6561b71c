"""Every message from every channel passes this gate before Rasa takes the conversation's lock.

``python -m assistant run`` wraps ``Agent.handle_message`` (``install_gate``). The gate:

1. refuses a conversation id that does not have its channel's shape (channels/kit/identity.py),
   so no caller can name another channel's resident, nor the shared "default" conversation;
2. keeps only ``max_chars + 1`` characters of the text, so a 5 MB message is neither parsed nor
   stored (the NLU still sees that it was too long and says so);
3. neutralises what only the notifier may send: a typed ``/EXTERNAL_...`` intent becomes plain
   text, and a client's ``is_external`` metadata is dropped (Rasa sets it itself on
   trigger_intent, which does not come through here);
4. admits at most ``pending_per_sender`` messages of one conversation at a time in this process
   and ``sender_per_minute`` (burst ``sender_burst``) across all processes (Redis). A flooded
   conversation is refused at the door instead of queueing on Rasa's lock, where each waiter
   polls the lock store and slows every other conversation. A refused resident is told once in
   a while to slow down, with the emergency numbers.
"""

import logging
import os
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.input_check import MAX_MESSAGE_CHARS
from channels.kit.identity import sender_allowed
from channels.kit.notices import slow_down_notice
from channels.kit.rate_limit import Limit, RateLimiter

logger = logging.getLogger(__name__)
RESERVED_METADATA = ("is_external",)
_NOTIFIER_INTENT = re.compile(r"^\s*/\s*EXTERNAL_", re.IGNORECASE)
NOTICE_EVERY_SECONDS = 30.0
REMEMBERED_NOTICES = 10_000


@dataclass(frozen=True)
class GateSettings:
    max_chars: int = MAX_MESSAGE_CHARS
    pending_per_sender: int = 3
    sender_per_minute: float = 30.0
    # An appeal filed with the buttons is about a dozen messages in well under a minute (greeting,
    # language, description, place, category, follow-up, call-back, confirm, status): 10 refused the
    # last of them for a resident who clicked quickly.
    sender_burst: int = 20
    redis_url: str | None = None


def load_gate_settings(env: Mapping[str, str] | None = None) -> GateSettings:
    env = os.environ if env is None else env
    d = GateSettings()
    return GateSettings(
        max_chars=int(env.get("CHAT_MAX_CHARS", d.max_chars)),
        pending_per_sender=int(env.get("CHAT_PENDING_PER_SENDER", d.pending_per_sender)),
        sender_per_minute=float(env.get("CHAT_SENDER_PER_MINUTE", d.sender_per_minute)),
        sender_burst=int(env.get("CHAT_SENDER_BURST", d.sender_burst)),
        redis_url=env.get("REDIS_URL") or None,
    )


def clean_text(text: str | None, max_chars: int) -> str | None:
    """The text Rasa may see: capped, and never a notifier intent."""
    if text is None:
        return None
    text = text[: max_chars + 1]
    if _NOTIFIER_INTENT.match(text):
        return text.replace("/", "", 1)
    return text


def clean_metadata(metadata: Any) -> dict[str, Any] | None:
    if not isinstance(metadata, dict):
        return None
    return {k: v for k, v in metadata.items() if k not in RESERVED_METADATA}


class MessageGate:
    """The checks above; one per Rasa process."""

    def __init__(self, settings: GateSettings, *, notice: Callable[[str | None], str] | None = None) -> None:
        self.settings = settings
        self.limiter = RateLimiter(Limit(settings.sender_per_minute, settings.sender_burst),
                                   redis_url=settings.redis_url, prefix="assistant:rate:sender")
        self.pending: dict[str, int] = {}
        self.notice = notice
        self._noticed: OrderedDict[str, float] = OrderedDict()

    def refusal(self, message: Any) -> str | None:
        """Why ``message`` may not enter at all (None: it may). Cleans its text and metadata."""
        if not sender_allowed(message.input_channel, message.sender_id):
            return "conversation id does not fit its channel"
        message.text = clean_text(message.text, self.settings.max_chars)
        message.metadata = clean_metadata(message.metadata)
        return None

    async def handle(self, message: Any, inner: Callable[[Any], Awaitable[Any]]) -> Any:
        why = self.refusal(message)
        if why is not None:
            logger.warning("message refused (%s): channel %r", why, message.input_channel)
            return None
        sender = message.sender_id
        if self.pending.get(sender, 0) >= self.settings.pending_per_sender:
            await self._tell_to_slow_down(message)
            return None
        # The slot is taken before the rate limit is asked (an await): messages arriving together
        # must not all pass the check above while Redis answers.
        self.pending[sender] = self.pending.get(sender, 0) + 1
        try:
            if await self.limiter.wait_for(sender) > 0:
                await self._tell_to_slow_down(message)
                return None
            return await inner(message)
        finally:
            left = self.pending[sender] - 1
            if left:
                self.pending[sender] = left
            else:
                del self.pending[sender]

    async def _tell_to_slow_down(self, message: Any) -> None:
        now = time.monotonic()
        last = self._noticed.get(message.sender_id)
        if self.notice is None or (last is not None and now - last < NOTICE_EVERY_SECONDS):
            return
        self._noticed[message.sender_id] = now
        self._noticed.move_to_end(message.sender_id)
        while len(self._noticed) > REMEMBERED_NOTICES:
            self._noticed.popitem(last=False)
        try:
            await message.output_channel.send_text_message(message.sender_id, self.notice(message.text))
        except Exception:  # the platform refused: the refusal itself stands
            logger.exception("could not tell a flooding conversation to slow down")


def install_gate(settings: GateSettings | None = None) -> MessageGate:
    """Wrap ``Agent.handle_message`` with the gate (once per process)."""
    from rasa.core.agent import Agent

    gate = MessageGate(settings or load_gate_settings(), notice=slow_down_notice)
    original = getattr(Agent.handle_message, "__wrapped_by_gate__", Agent.handle_message)

    async def handle_message(self: Agent, message: Any) -> Any:
        return await gate.handle(message, lambda m: original(self, m))

    handle_message.__wrapped_by_gate__ = original  # type: ignore[attr-defined]
    Agent.handle_message = handle_message
    return gate
