"""NLU component: a long account of what happened is an appeal, not a policy question.

"My daughter's school told every family to pay 1,800 yuan for a 'study trip', cash only. I thought
public schools weren't allowed to charge fees like that" shares words with the school-enrolment
answer, and the classifier gave it ``faq`` (0.86): the resident got a policy text and "did that help?"
instead of an appeal. A message of at least ``MIN_WORDS`` words (``MIN_CJK_CHARS`` characters in
Chinese and Japanese) that asks nothing, or that asks someone to act ("間に入っていただけないでしょうか",
"能不能管一管", "can you do something about it"), becomes ``report_problem`` when the classifier gave
that at least ``MIN_REPORT_SUPPORT``. Long questions ("how do I extend my visa if ...") stay questions.
"""

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.repair import is_question
from nlu.input_guard import StatelessComponent, promote_ranked

FAQ, REPORT = "faq", "report_problem"
MIN_WORDS, MIN_CJK_CHARS = 20, 40
MIN_REPORT_SUPPORT = 0.05
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
# Asking someone to step in: a request for action, whatever its question form.
ASKS_FOR_ACTION = re.compile(
    r"管一管|管管|处理一下|解决一下|帮忙解决|给个说法|查处|整治|过来看看|来看一下|督促"
    r"|入って(いただけ|もらえ)|対応して(いただけ|もらえ|ほしい|ください)|何とかして|注意して(いただけ|もらえ|ほしい)"
    r"|指導して|調べて(いただけ|もらえ|ほしい)|やめさせて"
    r"|\b(do something about|deal with (it|this|them)|look into (it|this)|send someone|step in|make them stop"
    r"|get (it|this|them) (fixed|stopped))\b", re.IGNORECASE)


def is_long_account(text: str) -> bool:
    """Whether ``text`` is long enough to be an account of events rather than a question's words."""
    cjk = len(_CJK.findall(text))
    return cjk >= MIN_CJK_CHARS if cjk > len(text) / 3 else len(text.split()) >= MIN_WORDS


def tells_what_happened(text: str) -> bool:
    """A long message that asks nothing, or asks someone to act."""
    return is_long_account(text) and (not is_question(text) or bool(ASKS_FOR_ACTION.search(text)))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NarrativeGuard(StatelessComponent):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if (message.get(INTENT) or {}).get("name") != FAQ or text.startswith("/"):
                continue
            if tells_what_happened(text):
                promote_ranked(message, REPORT, MIN_REPORT_SUPPORT)
        return messages
