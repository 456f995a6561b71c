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

The other way round, a short message read as a report that asks a policy question ("ここのセントラルヒーティングって
いつから入るんでしょう？もう部屋が寒くて…": report 0.89, faq 0.11) becomes the question when the classifier ranked
the question at least ``MIN_QUESTION_SUPPORT`` and nlu/faq_selector.py (which selects a topic for such
reports too) is sure of the answer: the resident gets the answer, and "did that help?" still leads to an appeal.
"""

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import RESPONSE_SELECTOR_PROPERTY_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.input_guard import StatelessComponent, make_intent

FAQ, REPORT, NLU_FALLBACK, ASK_QUESTION = "faq", "report_problem", "nlu_fallback", "ask_question"
# Intents that answer a form's question: no long account is one of them ("昨日の夕方からガスが出なくなりました。…":
# inform_attribute 0.41 with no form open).
ANSWERS = ("inform_attribute", "choose_category", "inform_location", "out_of_scope")
# A greeting is no long account ("Hello. From yesterday evening no gas in my kitchen. Stove no fire. …": greet, for
# the hello it opens with). (A long thanks may tell what was fixed: it stays thanks.)
GREET = "greet"
MIN_WORDS, MIN_CJK_CHARS = 20, 35  # 30 reads a policy question of the training data as an account
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
# Asking someone to step in: a request for action, whatever its question form.
ASKS_FOR_ACTION = re.compile(
    r"管一管|管管|处理一下|解决一下|帮忙解决|给个说法|查处|整治|过来看看|来看一下|督促|派人|查一查|查一下|来查"
    r"|入って(いただけ|もらえ)|対応して(いただけ|もらえ|ほしい|ください)|何とかして|注意して(いただけ|もらえ|ほしい)"
    r"|指導して|調べて(いただけ|もらえ|ほしい)|やめさせて"
    # after an account, asking someone to do something ("見直していただけないでしょうか", "窓口に伝えていただけますか"),
    # unless it asks to be told something ("教えていただけますか")
    r"|(?<!教え)(?<!知らせ)て(いただけ(ますか|ませんか|ないでしょうか)|もらえ(ますか|ませんか|ないでしょうか)"
    r"|いただきたい|ほしい|欲しい)"
    r"|希望(你们|有关部门|相关部门|政府)?.{0,8}(处理|解决|整改|督促|核查|查一查|管一管|协调)"
    r"|\b(do something about|deal with (it|this|them)|look into (it|this)|send someone|step in|make them stop"
    r"|get (it|this|them) (fixed|stopped)|(could|can|would) you (please )?(tell|ask|get|make|have|contact|talk to"
    r"|check (on|with)|follow (it |this )?up|pass (it|this) on)"
    r"|(can|could|would) you help (me|us) (find|get|recover))\b"
    r"|帮(我|忙)(找|追回|要回)|探して(いただけ|もらえ|ほしい)"
    # asking who will come and act ("Who can come and take it?", "谁能来把它弄走", "誰か引き取りに来てくれませんか")
    r"|\bwho (can|could|will|would|should) (come|take|pick|remove|collect|rescue|deal|handle|fix|help)\b"
    r"|谁(能|可以|会)?来.{0,4}(管|处理|收走|救|抓|弄走|带走|看看|修)|有没有人(能|可以)?来"
    r"|(来て|引き取りに来て|助けに来て)(もらえ|くれ|いただけ)(ません|ない)?(か|でしょうか)?[?？。]?\s*$",
    re.IGNORECASE)


def is_long_account(text: str) -> bool:
    """Whether ``text`` is long enough to be an account of events rather than a question's words."""
    cjk = len(_CJK.findall(text))
    return cjk >= MIN_CJK_CHARS if cjk > len(text) / 3 else len(text.split()) >= MIN_WORDS


_SENTENCES = re.compile(r"(?<=[.!?。！？\n])\s*")
# A sentence that asks: a question mark, a question's ending or opening word. (Question words inside an
# account do not ask: "何度お願いしても", "いつか事故が", "what he told me".)
_ASKS = (
    # "呢" ends a question only beside a question word ("该找谁呢"); after a statement it stresses it ("一家老小就指着
    # 这个钱呢", "两万多块钱呢")
    re.compile(r"[?？]\s*$|(ですか|ますか|でしょうか|のか|かな|か)[。.]?\s*$|(吗|么)[。.]?\s*$"
               r"|(什么|怎么|哪|谁|为什么|为啥|多少|几|是不是|还是|要不要|能不能|有没有)[^，。,.]{0,12}呢[。.]?\s*$"),
    re.compile(r"^(how|what|where|when|why|which|who|whom|can|could|do|does|did|is|are|should|may|will|would)\b",
               re.IGNORECASE),
    re.compile(r"怎么办|怎么(办理|申请|处理|弄)|如何|是否|能不能|可不可以|可以吗|哪里(办|能|可以)"
               r"|想(了解|知道|咨询|问)|请问"
               r"|どうすれば|どうしたら|どこで(手続|申請)|何が必要|どのような(書類|手続)|知りたい|教えて(ください|ほしい|いただ)"
               r"|\b(how (do|does|can|could|should|would) (i|we|you|she|he|they|my|our|one|foreigners)\b"
               r"|what (should|can|do|does) (i|we|she|he|they)|where (do|does|can|should) (i|we|she|he|they)"
               r"|which (documents|office|papers|forms)|is it (possible|allowed|legal)"
               r"|(want|like|need) to (know|find out|ask)|wondering|tell me (how|what|where|whether|if))\b",
               re.IGNORECASE),
)


# Questions that ask nothing: an account's outcry ("What's the point of sorting if it all gets mixed up again?",
# "凭什么不管", "おかしくないですか").
RHETORICAL = re.compile(
    r"what'?s the point|how dare |how (can|could) (they|he|she|you|anyone) (just |possibly |even )?(do|treat|get away"
    r"|ignore|leave|let|allow|charge|say|call (this|that|it)|be (so|allowed))\b|why (should|would) (i|we|anyone)"
    r"|who (allowed|let) |is (this|that) (normal|acceptable|fair|legal)\b|isn'?t (this|that|it) (ridiculous|absurd)"
    r"|凭什么|难道|怎么能|还有王法|像话吗|合理吗|有没有天理|这叫什么事"
    r"|おかしくないですか|ありえないと思いませんか|どういうことでしょうか|意味があるんでしょうか"
    # "isn't that banned?" after a report of it: the resident says it is against the rules
    r"|\bi thought (that )?[^?.!]{0,60}\b(weren'?t|wasn'?t|aren'?t|isn'?t|not) (allowed|supposed|permitted|legal)"
    r"|\b(isn'?t|aren'?t|wasn'?t|weren'?t) (that|this|it|they|he|she)\b[^?]{0,30}"
    r"\b(banned|illegal|against the (rules|law))"
    r"|\b(isn'?t|aren'?t|shouldn'?t|wasn'?t)\b[^?]{0,40}"
    r"\b(supposed|meant|required|obliged) to|不是应该[^？?]{0,20}(吗|么)|べきではない(でしょう|です)か"
    r"|这也(算|叫)|这算什么|这也行"
    r"|不是(不让|不准|不许|禁止|不能)[^？?]{0,20}(吗|么)|不是.{0,10}(违法|违规)(的)?(吗|么)"
    r"|(禁止|違法|違反)(されている|されてる|な)?(のでは|んじゃ)(ない|ありません)|はずでは(ない|ありません)",
    re.IGNORECASE)


_WORDY = re.compile(r"\w")  # "??" splits off a sentence of its own: no question by itself


# A sentence that opens with a question word and ends with a full stop tells ("When it finally came, the crew wanted
# 300 yuan in cash.", "Where the road narrows, cars park on both sides.").
_TOLD = re.compile(r"[.!。！]\s*$")
# So does one whose question word opens a clause of the account (a subject and its verb, then a comma) before a
# main clause that asks nothing: "When we asked, the manager said pay or he calls the police" (the last sentence,
# with no full stop), not "When I renew my visa, do I need a new photo".
_OPENS_A_CLAUSE = re.compile(
    r"^(when|where|what|while|how|why)\s+(i|we|he|she|they|you|it|(my|our|his|her|their|the) \w+)\s+\w+[^?？,]*,"
    r"(?!\s*(do|does|did|can|could|should|would|will|is|are|am|may|must|shall)\s+(i|we|you|he|she|it|they|there|my"
    r"|our|the)\b)[^?？]*$", re.IGNORECASE)


# Not knowing what to do tells how the resident feels, it asks nothing:
# "どうしたらいいのか分からず、こちらに書いています", "不知道该怎么办了，只能来这里说". Nor does a question nobody
# answered, told as part of the account: "何が必要かも教えてもらえず、通勤に使えません", "也没人告诉我需要什么材料",
# "they never told us what we should bring".
_TOLD_NOT_ASKED = re.compile(r"どう(したら|すれば|していいのか)(いい|よい)?(のか|か)?(分から|わから|判ら)"
                        r"(ず|なくて|ない(ので|まま|です))"
                        r"|(不知道|不晓得|不清楚)(该|应该|到底)?(怎么办|找谁|如何是好)(了|才好)?(?![？?吗])"
                        r"|[^、。，,]{1,30}(か|のか)(も|さえ|すら|は)?(教えて|説明して|案内して)"
                        r"(もらえ|くれ|いただけ)(ず|ない|なかった|ません|なくて)(?!\s*(か|でしょうか|ですか|[?？]))"
                        r"|(没|没有|不)(人)?(告诉|说明|解释|讲|说)(过)?(我|我们)?(一声)?[^，。,？?]{0,20}(?![？?吗])"
                        r"|\b(nobody|no one|they|he|she|the (staff|office|clerk|guard|company))?\s*"
                        r"(never|didn'?t|did not|won'?t|wouldn'?t|refused to|would not) (even )?(tell|told|explain|say)"
                        r"( (me|us|them))? (how|what|where|which|when|whether|if)\b[^.?!]{0,60}(?=[.!]|$)",
                        re.IGNORECASE)


def _asks(sentence: str) -> bool:
    sentence = _TOLD_NOT_ASKED.sub("", sentence)
    return any(pattern.search(sentence) for pattern in _ASKS
               if pattern is not _ASKS[1] or not (_TOLD.search(sentence) or _OPENS_A_CLAUSE.search(sentence)))


def asks_a_question(text: str) -> bool:
    """Whether a sentence of ``text`` is a question (not only has a question word in it, nor only an outcry)."""
    return any(_asks(sentence) for sentence in _SENTENCES.split(text.strip())
               if _WORDY.search(sentence) and not RHETORICAL.search(sentence))


def tells_what_happened(text: str) -> bool:
    """A long message that asks nothing, or asks someone to act."""
    return is_long_account(text) and (not asks_a_question(text) or bool(ASKS_FOR_ACTION.search(text)))


# A report that asks a policy question ("セントラルヒーティングっていつから入るんでしょう？もう部屋が寒くて…": report
# 0.89, faq 0.11) is the question when the classifier gave the question this much and the policy answer is this
# sure.
MIN_QUESTION_SUPPORT, MIN_TOPIC_CONFIDENCE = 0.05, 0.6
# A message that opens by saying it asks ("问一下，…该扔哪个桶啊？": report 0.6, garbage sorting 0.52) needs less.
ASKS_OPENLY = re.compile(r"^\W*(问一下|请问|想问(一下|问)?|我想问|咨询一下|i'?d like to ask|(just )?a quick question"
                         r"|can i ask|質問(です|ですが|があります)|お聞きしたい|教えてください)", re.IGNORECASE)
MIN_ASKED_TOPIC_CONFIDENCE = 0.4
# A "policy question" that asks nothing and whose answer is unsure ("fire hose cabinets in our bldg all empty, hoses
# gone. extinguishers say expired 2019": faq 0.94, its topic 0.34) tells of a problem.
UNSURE_TOPIC_CONFIDENCE = 0.5
# Below this no policy text fits a story however little the classifier ranked the report ("a kestrel with a broken
# wing on our balcony … who can come and take it?": faq 0.89, report 0.02, consumer rights 0.17; a phone scam told
# and "What can I do now": residence registration 0.35).
NO_TOPIC_CONFIDENCE = 0.4
# Saying it is only a question keeps a story a question: "Just a general question for a friend, nothing to report yet:
# if an employer … stops paying, what rights does the worker have?" (wage arrears 0.43).
SAYS_IT_ASKS = re.compile(r"\b((just|only) (a|one) )?(general|quick|simple|hypothetical|theoretical) question\b"
                          r"|\bnothing to report\b|\bjust (asking|wondering|curious)\b"
                          r"|只是(问问|咨询|想问)|随便问问|先问问|不是(要)?(投诉|反映)"
                          r"|(一般的な|ちょっとした|単なる)質問|質問だけ|聞いてみただけ|申し立てではなく"
                          # asking how it is done: "where does he go and what should he bring?"
                          r"|\bwhat (should|do|does|must) (i|we|he|she|they) (bring|prepare)\b"
                          r"|\bwhere (should|do|does|can|must) (i|we|he|she|they) go\b"
                          r"|\basking (for|on behalf of) (a|my|our) "
                          r"|(要|得|需要)(带|准备)(什么|哪些)|去哪(儿|里)?办|何を(持って|用意して)(いけば|行けば|いく)",
                          re.IGNORECASE)
# A question left unclassified only because another intent came close ("我还是用中文问吧：电动车的电池能不能拿回家里
# 充电？": faq 0.40, switch_language 0.39) is the question when its answer is this sure.
SURE_TOPIC_CONFIDENCE = 0.9


def _ranked(message: Message, name: str) -> float:
    return next((float(r.get("confidence") or 0.0) for r in message.get(INTENT_RANKING_KEY) or []
                 if r.get("name") == name), 0.0)


# Asking what the rules allow ("我想把电动车的电池拎回家里充，行不行？有啥规定没有？": report 0.96, the question 0.01):
# a policy question whatever the classifier ranked behind the report.
ASKS_THE_RULES = re.compile(
    r"有(啥|什么|没有)规定|规定(吗|呢|是什么|没有)|允(许|不允许)|行不行[？?]|让不让|可不可以[？?]|合不合法|违不违法|算不算违"
    r"|\b(is it (allowed|legal|ok|okay|permitted) to|are (we|you|they|residents) allowed|am i allowed"
    r"|what are the rules"
    r"|is there (a|any) rule|any rules (about|on|for))\b"
    r"|してもいい(の|ん)?(です|でしょう)?か|決まり(は|が|って)|規則(は|が|って)|ルール(は|が|って)", re.IGNORECASE)


def may_be_question(message: Message, faq: str = FAQ) -> bool:
    """A report that asks a question, not a long account, with the question ranked behind it (or asking what the
    rules allow)."""
    text = message.get(TEXT) or ""
    return (message.get(INTENT) or {}).get("name") == REPORT and not text.startswith("/") \
        and asks_a_question(text) and not tells_what_happened(text) \
        and (_ranked(message, faq) >= MIN_QUESTION_SUPPORT or bool(ASKS_THE_RULES.search(text)))


def _first_ranked(message: Message) -> str | None:
    """The classifier's best intent other than the fallback."""
    return next((str(r.get("name")) for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != NLU_FALLBACK),
                None)


_CLAUSES = re.compile(r"[，,。.!?！？;；、]\s*")


def tells_a_story(text: str) -> bool:
    """A long message with at least two clauses that ask nothing around its question ("我表弟…身份证全让人偷了，
    …睡在网吧。我人在外地…。想问问…")."""
    told = [clause for clause in _CLAUSES.split(text.strip())
            if _WORDY.search(clause) and not any(pattern.search(clause) for pattern in _ASKS)]
    return is_long_account(text) and len(told) >= 2


def _has_topic(message: Message) -> bool:
    return bool(((message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}).get(FAQ) or {}).get("response"))


def _topic_confidence(message: Message) -> float:
    selected = ((message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}).get(FAQ) or {}).get("response") or {}
    return float(selected.get("confidence") or 0.0)


# A short message that only announces a problem ("ちょっと困っていることがあって", "有个事儿想反映", "I have a problem")
# read as "I have a question" or not understood: the appeal starts, and its first question asks what happened.
ANNOUNCES_PROBLEM = re.compile(
    r"\b(i('ve| have) (got )?(a|an|some) (problem|issue|complaint)|there'?s (a|an) (problem|issue)"
    r"|i('d| would)? (want|need|like) to (complain|report|make a complaint|file a complaint)"
    r"|(i am|i'?m) writing to (lodge|file|make|submit|raise) (a|an) (formal )?(complaint|report))\b"
    r"|有(个|件|点)?(事儿?|问题|情况)(想|要)?(反映|说|投诉)?|我要投诉|想投诉|我想反映|遇到(个|了)?(问题|麻烦)"
    r"|困って(いる|います|いて)|困ったことが|苦情を(言いたい|申し立て)|トラブルが(あって|あります)"
    r"|(苦情|クレーム|complaint|申し立て)を?(出し|入れ|し|申し立て)たい", re.IGNORECASE)
MAX_ANNOUNCEMENT_CHARS = 60  # "Hello, I am writing to lodge a formal complaint.": 48
# Asking to talk something over names a topic, not a person: "会社のスタッフのことで、代わりに相談させてください"
# (read as asking for a person, 0.98) announces an appeal about the company's staff. Words for a person to be put
# through to keep the request ("担当の人と話したい", "オペレーターに相談したい").
REQUEST_HUMAN = "request_human"
CONSULTS_ON_A_TOPIC = re.compile(r"^.{1,30}?(のことで|の件で|について|に関して)[、,]?[^。]{0,8}(ご?相談|お話|話)"
                                 r"(させて|したい|しても|が(あり|あって|ある))")
NAMES_A_PERSON = re.compile(r"(人|オペレーター|担当者?|職員|係|人間)(の方)?(と|に|へ)(話|相談|つな|代わ)"
                            r"|人と|人間と|オペレーター")


# Asking for help with a problem asks no policy question: "Hi, can you help me with a problem at work?"
_HELP_WITH_A_PROBLEM = re.compile(r"\b(can|could) you help (me|us) with (a|an|my|our|some) (problem|issue)\b",
                                  re.IGNORECASE)


def announces_problem(text: str) -> bool:
    plain = text.strip()
    if len(plain) > MAX_ANNOUNCEMENT_CHARS:
        return False
    return bool(_HELP_WITH_A_PROBLEM.search(plain)) or (
        not asks_a_question(plain) and bool(ANNOUNCES_PROBLEM.search(plain)))


# A question about an appeal made before ("我上个月在这儿反映过我们小区门禁坏了的事，到现在有进展没？": report 0.97,
# status 0.03): the words say both that it was reported and that they ask how it went.
STATUS = "check_status"
_REPORTED_BEFORE = re.compile(
    r"(反映|投诉|举报|报|提交|提)(过|了)的?(那个|那件)?(事|问题|诉求|情况)?|(上次|之前|前几天|上个?月|上周)[^，。？?]{0,12}"
    r"(反映|投诉|举报|报修|报的|提交)"
    r"|\b(i|we) (already |had )?(reported|filed|complained|submitted|raised|sent in)\b"
    r"|\b(my|the|our) (earlier|previous|last|old|first) (report|complaint|appeal|ticket|request)\b"
    r"|(申し立て|通報|報告|相談|苦情|連絡)(を)?(した|しました|していた|出した|入れた)"
    r"|(前に|以前|先月|先週)[^、。？?]{0,15}(申し立て|通報|連絡|相談)", re.IGNORECASE)
_ASKS_HOW_IT_WENT = re.compile(
    r"进展|进度|结果|怎么样了|处理(了|得)?(吗|没|怎么样)|有(没有)?(回复|回音|消息|下文|人管)|办得怎么样|到哪一步|办好了(吗|没)"
    r"|\b(any (update|news|progress|word)|progress|status|what happened (with|to)|heard back|been (fixed|done|handled)"
    r"|(is|was) (it|anything|anyone) (done|fixed|happening)|did anything (ever )?happen)\b"
    r"|どうなりました|どうなって|進捗|進み具合|その後|返事|回答(は|が)(まだ|来)|対応(して|され)(もらえ|い)",
    re.IGNORECASE)
MIN_STATUS_WORDS_CONFIDENCE = 0.8
_STATUS_FROM = (FAQ, REPORT, NLU_FALLBACK, ASK_QUESTION, GREET, "correct_appeal", *ANSWERS)


def asks_about_an_earlier_appeal(text: str) -> bool:
    """A question that says an appeal was made before and asks how it went, not a repeated complaint that asks for
    action ("反映过好几次了，能不能管一管")."""
    return bool(_REPORTED_BEFORE.search(text) and _ASKS_HOW_IT_WENT.search(text)) and asks_a_question(text) \
        and not ASKS_FOR_ACTION.search(text)


# A question of its own after asking whether this is the place: "is this the right place? how do I renew my visa?"
_QUESTION_OF_ITS_OWN = re.compile(r"[?？].+[?？]|\b(how|what|where|when) (do|can|should|is|are)\b"
                                  r"|怎么|如何|どうすれば|どこで")
# A suggestion to the city is an appeal (12345 takes suggestions), however much it sounds like a question.
PROPOSES = re.compile(r"^(你好|您好)?[，, ]*(我)?(想|要)?(给你们)?提(个|一个|点|条)建议|^(我)?有(个|一个|点|条)建议"
                      r"|^((hi|hello)[,!. ]+)?(i'?d like to|i want to|can i|let me) (make|give|offer|submit) "
                      r"(a|one|my) suggestion|^((hi|hello)[,!. ]+)?(i have|i'?ve got|just|quick) a suggestion"
                      r"|^suggestion\s*[:：]"
                      r"|^.{0,10}(提案|要望)(があります|したいのですが|したいです|です)", re.IGNORECASE)
# Asking whether this is the place for questions, and no question yet ("Morning! Is this the right place for questions
# from foreigners?": faq 0.71, the residence-registration answer): the assistant asks for the question.
ASKS_IF_THIS_IS_THE_PLACE = re.compile(
    r"^((good )?(morning|afternoon|evening|hi|hello|hey)\W*)?((is this|am i (in|at)) the right (place|number|service"
    r"|hotline|chat|channel)\b[^.!?]{0,60}\?*"
    r"|(i'?m )?not sure (if |whether )?(this is|i'?m (in|at)) the right (place|number|service|hotline|chat)\b"
    r"[^.!?]{0,30}[.!?]*)$"
    r"|^.{0,6}(这里|这儿|你们这儿?)(能|可以)(问|咨询)(问题|事情?|一下)?(吗|么)[？?]*$"
    r"|^.{0,8}(ここで|こちらで)(質問|相談|問い合わせ)(は|を)?(でき|し(ても)?いい|受け付け).{0,10}$", re.IGNORECASE)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NarrativeGuard(StatelessComponent):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            intent = (message.get(INTENT) or {}).get("name")
            if intent in (FAQ, NLU_FALLBACK, GREET) and ASKS_IF_THIS_IS_THE_PLACE.search(text.strip()) \
                    and not _QUESTION_OF_ITS_OWN.search(text):
                make_intent(message, ASK_QUESTION)
            elif intent in (FAQ, REPORT, NLU_FALLBACK, ASK_QUESTION, GREET) and PROPOSES.search(text.strip()):
                # "想提个建议：…能不能让公交在医院门口加一站": a suggestion is an appeal, however it asks
                make_intent(message, REPORT)
            elif intent in _STATUS_FROM and asks_about_an_earlier_appeal(text):
                make_intent(message, STATUS, MIN_STATUS_WORDS_CONFIDENCE)
            elif intent in (FAQ, NLU_FALLBACK, *ANSWERS, GREET, STATUS) and tells_what_happened(text):
                # (a status question is about an appeal made before: the check above found none in these words)
                make_intent(message, REPORT)
            elif intent == FAQ and (not asks_a_question(text) or tells_a_story(text)) and _has_topic(message) \
                    and _topic_confidence(message) < UNSURE_TOPIC_CONFIDENCE \
                    and (_ranked(message, REPORT) >= MIN_QUESTION_SUPPORT
                         or _topic_confidence(message) < NO_TOPIC_CONFIDENCE and tells_a_story(text)
                         and not SAYS_IT_ASKS.search(text)):
                # Asks nothing, or tells a story around its question ("我表弟…钱包、身份证全让人偷了…想问问能不能给他点
                # 临时救助": eldercare 0.29): no policy text fits; the appeal reaches a person.
                make_intent(message, REPORT)
            elif may_be_question(message) and _topic_confidence(message) >= (
                    MIN_ASKED_TOPIC_CONFIDENCE if ASKS_OPENLY.search(text) else MIN_TOPIC_CONFIDENCE):
                make_intent(message, FAQ)
            elif intent == REQUEST_HUMAN and CONSULTS_ON_A_TOPIC.search(text) and not NAMES_A_PERSON.search(text):
                make_intent(message, REPORT)
            elif (intent in (ASK_QUESTION, NLU_FALLBACK, "check_status", GREET)
                  or intent == FAQ and not asks_a_question(text)) and announces_problem(text):
                # (a policy answer for "Hello, I am writing to lodge a formal complaint." answers nothing it asked)
                # ("你好 我想投诉", "こんにちは、苦情を言いたいんですけど": greet, for the hello it opens with)
                make_intent(message, REPORT)
            elif intent == NLU_FALLBACK and _first_ranked(message) == FAQ and asks_a_question(text) \
                    and _topic_confidence(message) >= SURE_TOPIC_CONFIDENCE:
                make_intent(message, FAQ)
        return messages
