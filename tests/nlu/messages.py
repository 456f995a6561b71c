"""Messages as the classifiers leave them, for the guards' unit tests."""

from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message


def classified(text: str, ranking: list[tuple[str, float]]) -> Message:
    """``text`` with ``ranking`` as the classifier's intent ranking (its first entry as the intent)."""
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": ranking[0][0], "confidence": ranking[0][1]})
    message.set(INTENT_RANKING_KEY, [{"name": name, "confidence": confidence} for name, confidence in ranking])
    return message
