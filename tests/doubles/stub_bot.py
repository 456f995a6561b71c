"""A stand-in for Rasa in the connector tests: records every turn, answers through the message's output channel."""

from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage


@dataclass
class RecordingBot:
    """Subclasses answer in ``answer``; ``texts_of`` lists what a sender said, in order."""

    turns: list[UserMessage] = field(default_factory=list)

    async def __call__(self, message: UserMessage) -> None:
        self.turns.append(message)
        await self.answer(message.text or "", message.output_channel, message.sender_id or "")

    async def answer(self, text: str, out: OutputChannel, sender: str) -> None:
        await out.send_text_message(sender, f"收到：{text}")

    def texts_of(self, sender: Any) -> list[str]:
        return [m.text or "" for m in self.turns if m.sender_id == str(sender)]
