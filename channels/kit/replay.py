"""A turn sent again: answered from the tracker, not run twice.

A client whose request was cut off (the Rasa server it reached died, a timeout) cannot know whether
its turn ran. When it names the message (``message_id``) and sends it again, the channel looks for
that user message in the conversation: if it is there, the turn ran, and the bot's answers that
followed it are sent back as they were; only otherwise does the turn run.
"""

from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.events import BotUttered, UserUttered


async def answers_of_recorded_turn(tracker_store: TrackerStore | None, sender_id: str,
                                   message_id: str) -> list[dict[str, Any]] | None:
    """The bot's answers to the user message ``message_id`` as the REST channel returns them, or None
    when the conversation does not hold that message."""
    if tracker_store is None:
        return None
    tracker = await tracker_store.retrieve(sender_id)
    if tracker is None:
        return None
    events = list(tracker.events)
    start = next((index for index, event in enumerate(events)
                  if isinstance(event, UserUttered) and event.message_id == message_id), None)
    if start is None:
        return None
    collector = CollectingOutputChannel()
    for event in events[start + 1:]:
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            await collector.send_response(sender_id, event.message())
    answers: list[dict[str, Any]] = collector.messages
    return answers
