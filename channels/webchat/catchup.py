"""What a web chat page missed while it was offline (closed, asleep, no network).

Pushes (a resolved ticket, a survey) go to the page's socket.io room; a page that is not
connected misses them. The page counts the bot messages it has shown and sends that count when
it reconnects; the conversation's tracker holds every bot message, rendered here exactly as the
socket.io output renders it live (one BotUttered can be several socket messages), so the page
gets the ones after its count, and the new total to count from.
"""

from collections.abc import Iterable
from typing import Any

from rasa.core.channels.socketio import SocketIOOutput
from rasa.shared.core.events import BotUttered, Event

MAX_REPLAY = 50  # a page that lost its count (a new tab) gets the latest 50 back, not the whole history


class _Recorder(SocketIOOutput):
    """Rasa's socket.io output, writing down what it would emit instead of emitting it."""

    def __init__(self) -> None:
        super().__init__(None, "bot_uttered")  # never emits
        self.sent: list[Any] = []

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent.append(response)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        self.sent.append(json_message)


async def page_messages(events: Iterable[Event], recipient: str) -> list[Any]:
    """Every socket message the conversation's bot turns became, in order."""
    recorder = _Recorder()
    for event in events:
        if isinstance(event, BotUttered):
            await recorder.send_response(recipient, event.message())
    return recorder.sent


def missed(messages: list[Any], seen: int) -> list[Any]:
    """The messages after the first ``seen`` (at most the latest MAX_REPLAY)."""
    if seen >= len(messages):
        return []
    return messages[max(seen, len(messages) - MAX_REPLAY):]
