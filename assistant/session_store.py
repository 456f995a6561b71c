"""A Redis tracker store whose turn costs the same at turn 1 and at turn 2,000 (endpoints.yml).

Rasa's own ``RedisTrackerStore`` keeps a conversation as one JSON value: every turn reads, decodes,
replays, merges and writes back the resident's whole history, with a blocking client on the server's
only event loop. WeChat and Telegram ids never change, so that history grows for years. Here a
conversation is kept as lists of events that only ever grow at their end, and a turn reads a bounded
window of them with an asyncio client:

- ``<prefix><sender>:meta`` (hash): ``session`` (the current session's number), ``count`` (events
  appended to it), ``base`` (the absolute index of its list's first element), ``cut`` (the absolute
  index where the window a turn loads begins);
- ``<prefix><sender>:s:<n>`` (list): session n's events as JSON, oldest first. A session begins at
  Rasa's ``action_session_start`` (``session_expiration_time`` in domain.yml);
- ``<prefix><sender>:head:<n>``: the conversation's state at ``cut`` written as a few events (session
  start, the slots that differ from their initial value, the active form, a pause), so that head +
  events[cut:] is the same state as all of the session's events;
- ``<prefix><sender>:archive:<n>``: the head at ``base``, once the list's oldest events were trimmed.

A turn loads the current session's head and its events after ``cut``: at most ``WINDOW_MAX`` events
(then the window moves on to a turn boundary ``WINDOW_KEEP`` events from the end). The policies look
back only as far as their longest rule (assistant/rules.py: one user turn), the actions and the NLG a
turn or two, far less than a window; a smaller window is a cheaper turn (every event of it is replayed
and sent to the action server on each call), so it is a few turns. Saving appends the
turn's new events. A session list longer than ``MAX_SESSION_EVENTS`` loses the events before ``cut``
(the archive head stands for them). Every key expires ``retention_days`` after its last write: older
sessions stay readable (``retrieve_full_tracker``: Rasa's ``/conversations/<id>/tracker``, the
operators' view) until then. Exactly one turn of a conversation runs at a time (the lock store,
assistant/lock_store.py), so appends never interleave.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, ConversationPaused, Event, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from assistant import json_codec
from assistant.tracker_stores import retention_seconds
from channels.kit.redis_access import LoopRedis

logger = logging.getLogger(__name__)

WINDOW_MAX = 64  # events a turn loads at most after the head (about 8 turns)
WINDOW_KEEP = 32  # events kept when it moves on (about 4 turns; the rules look back one, the NLG two)
MAX_SESSION_EVENTS = 5_000  # per session list; older events are stood for by the archive head
STORED = "_hotline_stored"  # attribute on a loaded tracker: where it came from


@dataclass(frozen=True)
class Stored:
    """What a loaded tracker holds: ``loaded`` events, of session ``session`` with ``count`` appended."""

    session: int
    loaded: int
    count: int


@dataclass(frozen=True)
class Meta:
    session: int = 0
    count: int = 0
    base: int = 0
    cut: int = 0

    @classmethod
    def parse(cls, fields: dict[str, str]) -> "Meta | None":
        if not fields:
            return None
        return cls(**{name: int(fields.get(name) or 0) for name in ("session", "count", "base", "cut")})


def session_starts(events: Sequence[Event]) -> list[int]:
    """Where sessions begin among ``events``: the indexes of ``action_session_start``."""
    return [i for i, event in enumerate(events)
            if isinstance(event, ActionExecuted) and event.action_name == ACTION_SESSION_START_NAME]


def state_as_events(tracker: DialogueStateTracker, initial: DialogueStateTracker) -> list[Event]:
    """``tracker``'s state as a session start followed by what differs from a new conversation."""
    moment = tracker.events[-1].timestamp if tracker.events else None
    events: list[Event] = [ActionExecuted(ACTION_SESSION_START_NAME, timestamp=moment),
                           SessionStarted(timestamp=moment)]
    for name, slot in tracker.slots.items():
        if slot.value != initial.slots[name].value:
            events.append(SlotSet(name, slot.value, timestamp=moment))
    loop = tracker.active_loop_name
    if loop:
        events.append(ActiveLoop(loop, timestamp=moment))
    if tracker.is_paused():
        events.append(ConversationPaused(timestamp=moment))
    events.append(ActionExecuted(ACTION_LISTEN_NAME, timestamp=moment))
    return events


def _segments(events: list[Event], *, continues: bool, new: bool = False) -> list[list[Event]]:
    """``events`` cut at each session start: the first segment goes on with the current session (empty
    when the events begin with a session start), each further one is a session of its own. Not
    ``continues``: the events are a session of their own. ``new``: they are the conversation's first."""
    splits_at_first = continues and not new  # a session start first: the current session ends before it
    starts = [i for i in session_starts(events) if i > 0 or splits_at_first]
    bounds = [0, *starts, len(events)]
    segments = [events[a:b] for a, b in zip(bounds, bounds[1:], strict=False)] or [[]]
    return segments if continues else [[], *segments]


def dumps(events: Iterable[Event]) -> list[str]:
    return [json_codec.dumps(event.as_dict()) for event in events]


class SessionRedisTrackerStore(TrackerStore):
    """Conversations as per-session event lists in Redis; a turn loads a bounded window (module doc)."""

    def __init__(self, domain: Domain, host: str = "localhost", port: Any = 6379, db: Any = 0,
                 password: str | None = None, retention_days: Any = 90, key_prefix: str = "assistant",
                 event_broker: Any = None, **kwargs: Any) -> None:
        kwargs.pop("record_exp", None)
        super().__init__(domain, event_broker, **kwargs)
        auth = f":{password}@" if password else ""
        self.redis = LoopRedis(f"redis://{auth}{host}:{int(port)}/{int(db)}", timeout=5.0)
        self.expire = retention_seconds(retention_days)
        self.prefix = f"{key_prefix}:tracker:" if key_prefix else "tracker:"

    # ---- keys ----

    def _key(self, sender_id: str, part: str) -> str:
        return f"{self.prefix}{sender_id}:{part}"

    async def _meta(self, sender_id: str) -> Meta | None:
        return Meta.parse(await self.redis.client().hgetall(self._key(sender_id, "meta")))

    def _tracker(self, sender_id: str, event_dicts: list[dict[str, Any]]) -> DialogueStateTracker:
        return DialogueStateTracker.from_dict(sender_id, event_dicts, self.domain.slots,
                                              max_event_history=self.max_event_history)

    # ---- reading ----

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The current session: its head and the events after ``cut``."""
        meta = await self._meta(sender_id)
        if meta is None:
            return None
        pipe = self.redis.client().pipeline(transaction=False)
        pipe.get(self._key(sender_id, f"head:{meta.session}"))
        pipe.lrange(self._key(sender_id, f"s:{meta.session}"), meta.cut - meta.base, -1)
        head, tail = await pipe.execute()
        events = (json_codec.loads(head) if head and meta.cut else []) + [json_codec.loads(item) for item in tail]
        tracker = self._tracker(sender_id, events)
        setattr(tracker, STORED, Stored(meta.session, len(events), meta.count))
        return tracker

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        """Every session still kept (older ones expire ``retention_days`` after their last write)."""
        meta = await self._meta(sender_id)
        if meta is None:
            return None
        client = self.redis.client()
        events: list[dict[str, Any]] = []
        for session in range(meta.session + 1):
            pipe = client.pipeline(transaction=False)
            pipe.get(self._key(sender_id, f"archive:{session}"))
            pipe.lrange(self._key(sender_id, f"s:{session}"), 0, -1)
            archive, items = await pipe.execute()
            if archive:
                events += json_codec.loads(archive)
            events += [json_codec.loads(item) for item in items]
        return self._tracker(sender_id, events)

    async def keys(self) -> Iterable[str]:
        found = []
        async for key in self.redis.client().scan_iter(match=f"{self.prefix}*:meta", count=1000):
            found.append(key[len(self.prefix):-len(":meta")])
        return found

    # ---- writing ----

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        stored: Stored | None = getattr(tracker, STORED, None)
        meta = await self._meta(tracker.sender_id)
        if meta is None:  # a new conversation
            segments = _segments(list(tracker.events), continues=True, new=True)
        elif stored is None or stored.session != meta.session:
            # Not loaded from here (replaced through Rasa's API): its events start a new session.
            segments = _segments(list(tracker.events), continues=False)
        else:
            if stored.count != meta.count:
                logger.warning("conversation %s changed while a turn ran (%d events, expected %d)",
                               tracker.sender_id, meta.count, stored.count)
            segments = _segments(list(islice(tracker.events, stored.loaded, None)), continues=True)
        written = await self._append(tracker, segments, meta or Meta(), new=meta is None)
        # The same tracker may be saved again (Rasa saves a new conversation, then its first turn).
        setattr(tracker, STORED, Stored(written.session, len(tracker.events), written.count))

    async def _append(self, tracker: DialogueStateTracker, segments: list[list[Event]], meta: Meta,
                      *, new: bool) -> Meta:
        """Appends each segment: the first to the current session (unless it starts one), each further one
        to a new session. Moves the window when it grew too long. Returns the meta written."""
        sender = tracker.sender_id
        session, count, base, cut = meta.session, meta.count, meta.base, meta.cut
        pipe = self.redis.client().pipeline(transaction=True)
        for index, segment in enumerate(segments):
            if index > 0:
                pipe.expire(self._key(sender, f"s:{session}"), self.expire)  # archived from now
                session, count, base, cut = session + 1, 0, 0, 0
            if segment:
                pipe.rpush(self._key(sender, f"s:{session}"), *dumps(segment))
                count += len(segment)
        pipe.expire(self._key(sender, f"s:{session}"), self.expire)
        if count - cut > WINDOW_MAX and session == meta.session and not new:
            moved = self._move_window(tracker, count, cut)
            if moved is not None:
                cut, head = moved
                pipe.set(self._key(sender, f"head:{session}"), json_codec.dumps([e.as_dict() for e in head]))
                if count - base > MAX_SESSION_EVENTS:  # drop what the head stands for
                    pipe.ltrim(self._key(sender, f"s:{session}"), cut - base, -1)
                    pipe.copy(self._key(sender, f"head:{session}"), self._key(sender, f"archive:{session}"),
                              replace=True)
                    base = cut
        for part, present in ((f"head:{session}", cut), (f"archive:{session}", base)):
            if present:
                pipe.expire(self._key(sender, part), self.expire)
        written = Meta(session, count, base, cut)
        pipe.hset(self._key(sender, "meta"), mapping={"session": session, "count": count, "base": base, "cut": cut})
        pipe.expire(self._key(sender, "meta"), self.expire)
        await pipe.execute()
        return written

    def _move_window(self, tracker: DialogueStateTracker, count: int, cut: int) -> tuple[int, list[Event]] | None:
        """The new ``cut`` (absolute, at a user message about ``WINDOW_KEEP`` events from the end) and
        the head for the state there; None when no turn boundary is found."""
        events = list(tracker.events)
        # ``events`` is the loaded head plus events[cut:count] of the session.
        head_length = len(events) - (count - cut)
        earliest = max(head_length, len(events) - WINDOW_KEEP)
        boundary = next((i for i in range(earliest, len(events))
                         if getattr(events[i], "type_name", "") == "user"), None)
        if boundary is None or boundary <= head_length:
            return None
        before = self._tracker(tracker.sender_id, [e.as_dict() for e in events[:boundary]])
        head = state_as_events(before, self.init_tracker(tracker.sender_id))
        return cut + (boundary - head_length), head
