"""NLU component: ``cancel`` only for words that cancel.

- A wish or a polite request is never a cancellation. "街灯を直してほしい" (I want the street light
  fixed), "希望尽快处理", "please stop the noise": the classifier sometimes reads the "stop"/"やめて"
  in them as ``cancel``, and the resident heard "OK, I've cancelled" before any appeal existed. Then
  the next intent of the ranking takes its place (``report_problem`` when it offers nothing else).
- A ``cancel`` without a single word that stops, drops or withdraws something ("我想投诉" and "noise
  complaint" share words with "取消投诉" and "drop the complaint") is a misreading: the next intent of
  the ranking takes its place when the classifier gave it at least ``RUNNER_UP_MIN``, else
  ``nlu_fallback`` ("purple elephant dancing" scored 0.61), and the assistant asks back instead of
  throwing an appeal away. tests/nlu/test_cancel_guard.py holds every cancel example of the training
  data to having such a word.
"""

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.repair import has_cancel_cue, is_wish_or_request
from nlu.input_guard import StatelessComponent

CANCEL = "cancel"
NOT_INSTEAD = {CANCEL, "nlu_fallback", "deny", "bad_input"}
FALLBACK_INTENT = "report_problem"
NLU_FALLBACK = "nlu_fallback"
RUNNER_UP_MIN = 0.15


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CancelGuard(StatelessComponent):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if (message.get(INTENT) or {}).get("name") != CANCEL or text.startswith("/"):
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") not in NOT_INSTEAD]
            if is_wish_or_request(text):
                instead = ranking[0] if ranking else {"name": FALLBACK_INTENT, "confidence": 0.5}
            elif not has_cancel_cue(text):
                confidence = float((message.get(INTENT) or {}).get("confidence") or 0)
                supported = ranking and float(ranking[0].get("confidence") or 0) >= RUNNER_UP_MIN
                instead = ranking[0] if supported else {"name": NLU_FALLBACK, "confidence": confidence}
            else:
                continue
            message.set(INTENT, dict(instead), add_to_output=True)
            message.set(INTENT_RANKING_KEY, [instead, *(r for r in ranking if r.get("name") != instead["name"])],
                        add_to_output=True)
        return messages
