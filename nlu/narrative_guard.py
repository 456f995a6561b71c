"""NLU component: a long account of what happened is an appeal, not a policy question.

"My daughter's school told every family to pay 1,800 yuan for a 'study trip', cash only. I thought
public schools weren't allowed to charge fees like that" shares words with the school-enrolment
answer, and the classifier gave it ``faq`` (0.86): the resident got a policy text and "did that help?"
instead of an appeal. A message of at least ``MIN_WORDS`` words (``MIN_CJK_CHARS`` characters in
Chinese and Japanese) that asks nothing, or that asks someone to act ("間に入っていただけないでしょうか",
"能不能管一管", "can you do something about it"), becomes ``report_problem`` when it was read as a ``faq`` or
a fallback, however sure the classifier was: "居民委員会で居住証明を出してもらおうとしたら…3回行っても受け付けて
もらえません" shares its words with the residence-permit answer (faq 1.00) and still tells what happened to
someone. No policy question of the training data reads as an account (tests/nlu/test_narrative_guard.py).
Long questions ("how do I extend my visa if ...", "I'd like to know ...") stay questions.
"""

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.input_guard import StatelessComponent, make_intent

FAQ, REPORT, NLU_FALLBACK = "faq", "report_problem", "nlu_fallback"
MIN_WORDS, MIN_CJK_CHARS = 20, 40
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
# Asking someone to step in: a request for action, whatever its question form.
ASKS_FOR_ACTION = re.compile(
    r"管一管|管管|处理一下|解决一下|帮忙解决|给个说法|查处|整治|过来看看|来看一下|督促|派人|查一查|查一下|来查"
    r"|入って(いただけ|もらえ)|対応して(いただけ|もらえ|ほしい|ください)|何とかして|注意して(いただけ|もらえ|ほしい)"
    r"|指導して|調べて(いただけ|もらえ|ほしい)|やめさせて"
    r"|\b(do something about|deal with (it|this|them)|look into (it|this)|send someone|step in|make them stop"
    r"|get (it|this|them) (fixed|stopped))\b", re.IGNORECASE)


def is_long_account(text: str) -> bool:
    """Whether ``text`` is long enough to be an account of events rather than a question's words."""
    cjk = len(_CJK.findall(text))
    return cjk >= MIN_CJK_CHARS if cjk > len(text) / 3 else len(text.split()) >= MIN_WORDS


_SENTENCES = re.compile(r"(?<=[.!?。！？\n])\s*")
# A sentence that asks: a question mark, a question's ending or opening word. (Question words inside an
# account do not ask: "何度お願いしても", "いつか事故が", "what he told me".)
_ASKS = (
    re.compile(r"[?？]\s*$|(ですか|ますか|でしょうか|のか|かな|か)[。.]?\s*$|(吗|呢|么)[。.]?\s*$"),
    re.compile(r"^(how|what|where|when|why|which|who|whom|can|could|do|does|did|is|are|should|may|will|would)\b",
               re.IGNORECASE),
    re.compile(r"怎么办|怎么(办理|申请|处理|弄)|如何|是否|能不能|可不可以|可以吗|哪里(办|能|可以)"
               r"|想(了解|知道|咨询|问)|请问"
               r"|どうすれば|どうしたら|どこで(手続|申請)|何が必要|どのような(書類|手続)|知りたい|教えて(ください|ほしい|いただ)"
               r"|\b(how (do|can|should|would) (i|we)|what (should|can|do) (i|we)|where (do|can|should) (i|we)"
               r"|which (documents|office|papers|forms)|is it (possible|allowed|legal)"
               r"|(want|like|need) to (know|find out|ask)|wondering|tell me (how|what|where|whether|if))\b",
               re.IGNORECASE),
)


def asks_a_question(text: str) -> bool:
    """Whether a sentence of ``text`` is a question (not only has a question word in it)."""
    return any(pattern.search(sentence) for sentence in _SENTENCES.split(text.strip()) if sentence
               for pattern in _ASKS)


def tells_what_happened(text: str) -> bool:
    """A long message that asks nothing, or asks someone to act."""
    return is_long_account(text) and (not asks_a_question(text) or bool(ASKS_FOR_ACTION.search(text)))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NarrativeGuard(StatelessComponent):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if (message.get(INTENT) or {}).get("name") not in (FAQ, NLU_FALLBACK) or text.startswith("/"):
                continue
            if tells_what_happened(text):
                make_intent(message, REPORT)
        return messages
