"""Remove personal data from free text: phone, ID and passport numbers, e-mail addresses, names, rooms.

Used before any text leaves the ticket store for the public or for analysts: Open311 answers,
the analysts' views and their search copy (``tickets.public_text``). What staff write to a
resident reaches the resident as written; that path does not come through here.

How it works: the text is folded once into a string of the same length in which full-width
characters, Chinese numerals (一三八, 〇/零, 幺 = 1, 两 = 2) and dash variants become ASCII, so
one set of patterns finds ``138-0013-8000``, ``１３８００１３８０００`` and ``一三八零零一三八零零零``
alike. Every detector yields spans; the first detector to claim a stretch of text wins, and the
spans of the *original* text are replaced by tags: ``[phone] [id] [email] [name] [room]``.

The rules, erring on the side of privacy where they must guess:

- Numbers are runs of digits with at most three separators (space, dot, dash, brackets) between
  digits. A run (or a stretch of its groups) is an ID when it has 18 characters with a valid
  GB 11643 check character, or the area + birth-date shape of one (a wrong check character
  does not save it), or 15 digits of the old shape; a mobile when it has 11 digits from 13-19
  (after +86/0086); a landline or a Japanese number when it has 10-12 digits from 0; an
  international number with a leading + and 8-15 digits; a bank card with 16-19 digits and a
  valid Luhn sum; and 7-8 digits after a word such as 电话, phone or 電話. Runs longer than 18
  digits are an ID when any 18 of them form a valid ID (shape and check character). A run with
  one dot and nothing else is a decimal number, never a phone.
- Passports: E/G/P/S/D and other one or two letters followed by 7-9 digits.
- Names: the resident's own (``names``), and names introduced by 我叫/我是/我姓/联系人：/姓名：/业主 (房东...),
  a surname before 先生/女士/小姐/师傅/老师/阿姨 (the honorific stays: 王先生 -> [name]先生),
  "my name is", Mr/Mrs/Ms/Miss/Dr (the title stays), and X さん/様/さま, 私はXです, 名前はX.
  Chinese and Japanese names must start with a known surname unless the cue is unambiguous
  (我叫, 联系人, と申します); common words before an honorific (保安师傅, 老师傅, お客様, 大家さん)
  are not names.
- Rooms: a public address goes no finer than the building. A room or flat number is removed
  together with the unit and floor written with it (5号楼2单元301室 -> 5号楼[room], 3-2-301 ->
  3-[room]), and so are 301室, 1203号房, 301号室, Room 301, Apt 4B, #12-03. A unit named alone
  (2单元门口) and a floor (12层) stay: they are shared, not a home. Layouts (3室1厅) stay.
"""

import re
from functools import lru_cache

PHONE, ID, EMAIL, NAME, ROOM = "[phone]", "[id]", "[email]", "[name]", "[room]"
Span = tuple[int, int, str]

# One character in, one character out: spans found in the folded text are spans of the original.
_FOLD = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)},
     **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
     **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},
     **{c: str(d) for d, chars in enumerate(("〇○零", "一幺壹", "二两贰", "三叁", "四肆", "五伍", "六陆", "七柒",
                                              "八捌", "九玖")) for c in chars},
     **{c: "-" for c in "－‐‑‒–—―ー"},
     "＋": "+", "．": ".", "＠": "@", "（": "(", "）": ")", "\u3000": " ", "＃": "#", "＿": "_"}
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)
# A run of digits with short separators; an ID may end in X.
# Letters may touch it (Tel13800138000); digits may not: a longer run is another number.
_RUN = re.compile(r"(?<![0-9+])(?:\+|\(\+?)?\d(?:[ \t.()-]{0,3}\d)*(?:[Xx](?![0-9A-Za-z]))?(?![0-9])")
# Where runs may be: seven characters of the run's alphabet (fast to scan for; _RUN decides).
_LONG = re.compile(r"\d[\d \t.()Xx-]{6,}")
_GROUP = re.compile(r"\+?\d+[Xx]?")
# Written letter-first (then "no letter or digit before it") because a letter class up front scans fast.
_PASSPORT = re.compile(r"[A-Za-z](?<![0-9A-Za-z][A-Za-z])[A-Za-z]?\d{7,9}(?![0-9A-Za-z])")
_PHONE_WORD = re.compile(r"(?:电话|手机|座机|号码|联系方式|tel|phone|mobile|call|電話|携帯|番号)\D{0,6}$",
                         re.IGNORECASE)
_ID_SHAPE = re.compile(r"[1-8]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]")
_OLD_ID_SHAPE = re.compile(r"[1-8]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

# (hints, pattern): a pattern runs only on text that contains one of its hints (or always, without).
_ROOMS: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = tuple((hints, re.compile(p)) for hints, p in (
    # 2单元301室, 2单元3层301, 2单元 301: the unit goes with the room.
    (("单元",), r"(?P<room>\d{1,3}\s*单元\s*(?:\d{1,3}\s*[层楼]\s*)?\d{2,5}\s*(?:室|号房|号|房间|房|户)?)"),
    # 3-2-301 (building-unit-room): the building stays.
    (("-",), r"(?<![\d-])\d{1,3}-(?P<room>\d{1,2}-\d{3,4})(?![\d-])"),
    # 301室, 1203号房, 301号室 (Japanese), 301房间; three digits at least, so 3室1厅 stays.
    (("室", "房"), r"(?<!\d)(?P<room>\d{3,5}\s*(?:号室|号房|室|房间))"),
    # A flat number straight after the building: 5号楼1203, A座1203.
    (("楼", "座", "栋", "幢"), r"(?<=[楼座栋幢])\s*(?P<room>-?\d{3,5})(?![\d号楼层室])"),
    ((), r"(?<![A-Za-z])(?=[RrAaFfUuSs])(?i:(?P<room>(?:room|rm\.?|apt\.?|apartment|flat|unit|suite|ste\.?)\s*#?\s*"
         r"(?=[A-Za-z]?\d)[A-Za-z0-9]{1,5}(?:-[A-Za-z0-9]{1,4})?))(?![A-Za-z0-9])"),
    (("#",), r"(?<![\w#])(?P<room>#\s?\d{1,3}-\d{1,4}|#\d{3,5})(?![\w-])"),
))

# Surnames that name patterns start with. Left out on purpose: surnames that are also common
# word endings before an honorific (语文老师, 保安师傅, 班主任老师, 门卫师傅, 开车师傅, 历史老师...).
_ZH_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡杜叶苏魏吕丁沈姚卢姜"
    "崔钟谭陆汪范金石廖贾夏韦邹孟熊秦邱江尹薛闫段雷侯龙陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤温康施牛樊葛邢"
    "齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞柳甘包宁尚符舒阮柯纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝靳"
    "柴蒙鲍华喻祁蒲滕屈饶牟艾尤阳穆卓古吉缪麦褚娄窦戚岑景宫卜冷晏席米柏宗瞿桂佟臧闵苟邬卞姬仇栾隋刁沙"
    "荣巫寇桑郎甄丛仲虞敖巩佘苑邝劉陳楊黃趙吳張鄭謝馮鄧蕭葉蘇呂盧鍾譚陸賈韋鄒龔嚴"
)
_ZH_COMPOUND = "欧阳|司马|诸葛|上官|东方|皇甫|慕容|令狐|夏侯|尉迟|公孙|长孙|宇文|司徒|端木"
_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
# Characters that end a name rather than belong to one, and place-name endings (王府井, 张家口).
_ZH_STOP = "住在是的电手联今从想要来反投请和与跟给被把也都就还又说叫姓我您你他她们不没已未，。、！？：；"
_ZH_PLACE = "口井村庄店窑桥门湾营屯街路区县镇市省园坊寺站院楼厂场港沟坡岭里巷胡同府道"
_ZH_GIVEN = rf"(?:(?![{_ZH_STOP}{_ZH_PLACE}])[{_CJK}])"
_ZH_NAME = rf"(?:{_ZH_COMPOUND}|[{_ZH_SURNAMES}]){_ZH_GIVEN}{{0,2}}"
_ZH_END = rf"(?=$|[^{_CJK}]|[{_ZH_STOP}])"
_LATIN_WORD = r"[A-Z][A-Za-z'’-]+"
_LATIN_NAME = rf"{_LATIN_WORD}(?:[ \t]+{_LATIN_WORD}){{0,2}}"
# "my name is" also takes lower-case words, up to a word that cannot be part of a name.
_EN_STOP = r"(?:and|but|from|i|i'm|im|my|at|in|on|the|a|please|call|live|living|with|is|was|here|calling)\b"
_EN_WORD = rf"(?!(?i:{_EN_STOP}))[A-Za-z][A-Za-z'’-]*"
_JA_SURNAMES = (
    "佐藤|鈴木|高橋|田中|伊藤|渡辺|山本|中村|小林|加藤|吉田|山田|佐々木|山口|松本|井上|木村|林|斎藤|斉藤|清水|"
    "山崎|森|池田|橋本|阿部|石川|山下|中島|石井|小川|前田|岡田|長谷川|藤田|後藤|近藤|村上|遠藤|青木|坂本|福田|"
    "太田|西村|藤井|金子|岡本|藤原|中野|三浦|原田|中川|松田|竹内|小野|田村|中山|和田|石田|森田|上田|原|内田|"
    "柴田|酒井|宮崎|横山|高木|安藤|宮本|大野|小島|谷口|今井|工藤|高田|増田|丸山|杉山|村田|大塚|新井|小山|平野|"
    "藤本|河野|上野|野口|武田|松井|千葉|岩崎|菅原|木下|久保|佐野|野村|松尾|市川|菊地|杉本|古川|大西|島田|水野|"
    "桜井|高野|渡部|吉川|山内|西田|飯田|菅野|服部|王|李|張|劉|陳|楊|黄|趙|周|呉"
)
_JA_CHARS = rf"[{_CJK}\u30a1-\u30fa\u30fc々]"
_JA_NOT_NAMES = ("皆|奥|大家|家主|管理人|隣|近所|客|子供|母|父|兄|姉|弟|妹|娘|息子|店員|業者|運転手|駅員|医者|"
                 "警察|配達員|住人|神|担当|担当者|職員|ドライバー|スタッフ|ヘルパー|オーナー|ママ|パパ")

# The honorific patterns come first: where 联系人：王先生 matches both, the honorific one keeps 先生.
_HONORIFICS = ("先生", "女士", "小姐", "师傅", "老师", "阿姨")
_ZH_WORDS = "谢谢|(?<=谢)谢|钟点|高中|高[一二三]"  # not names though they start with a surname
_JA_HONORIFICS = ("さん", "様", "さま")
_ZH_ROLES = ("业主", "住户", "租户", "房东", "房主", "户主")  # followed by a name: 业主王小明
_NAMES: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = tuple((hints, re.compile(p)) for hints, p in (
    (_HONORIFICS, rf"(?!{_ZH_WORDS})(?P<name>{_ZH_NAME})(?:{'|'.join(_HONORIFICS)})"),
    (("联系人", "姓名", "名字"), rf"(?:联系人|姓名|名字)\s*[:：是]\s*(?P<name>{_ZH_GIVEN}{{2,4}}|{_LATIN_NAME})"),
    (("我叫",), rf"我叫(?!了|过|着|不|车|人|物业|保安|师傅|外卖|快递|警察|邻居|朋友|家人|孩子|救护车|消防)"
                rf"(?P<name>{_ZH_GIVEN}{{2,3}})"),
    (("我是",), rf"我是(?P<name>{_ZH_NAME}){_ZH_END}"),
    (_ZH_ROLES, rf"(?:{'|'.join(_ZH_ROLES)})(?P<name>{_ZH_NAME}){_ZH_END}"),
    (("我姓",), rf"我姓(?P<name>{_ZH_COMPOUND}|[{_ZH_SURNAMES}])"),
    (("name", "Name", "NAME"), rf"(?i:\bmy name is|\bmy name's)[ \t]+(?P<name>{_EN_WORD}(?:[ \t]+{_EN_WORD}){{0,2}})"),
    (("Mr", "Ms", "Miss", "Mx", "Dr"), rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?[ \t]+(?P<name>{_LATIN_NAME})"),
    (_JA_HONORIFICS, rf"(?<![{_CJK}\u30a1-\u30fa\u30fc々おご])(?!(?:{_JA_NOT_NAMES})\s?(?:さん|様|さま))"
                     rf"(?P<name>{_JA_CHARS}{{1,5}})\s?(?:さん|様|さま)"),
    (("私は",), rf"私は(?P<name>{_JA_CHARS}{{1,6}})(?:と申します|といいます|と言います)"),
    (("私は",), rf"私は(?P<name>(?:{_JA_SURNAMES}){_JA_CHARS}{{0,3}}|[\u30a1-\u30fa\u30fc]{{2,12}})です"),
    (("名前は",), rf"名前は(?!不明|秘密|匿名|非公開)(?P<name>{_JA_CHARS}{{1,6}})(?=です|と申します|$|[、。\s,.])"),
))


def redact(text: str, names: tuple[str, ...] = ()) -> str:
    """Return ``text`` with personal data replaced by ``[phone] [id] [email] [name] [room]``.

    Args:
        text: free text in any of our languages.
        names: the resident's own names when known; one-character names are left alone
            (a lone character such as 三 also occurs in place names).
    """
    if not text:
        return text
    folded = text if text.isascii() else text.translate(_FOLD)
    spans: list[Span] = [(m.start(), m.end(), EMAIL) for m in _EMAIL.finditer(folded)] if "@" in folded else []
    at = 0
    for stretch in _LONG.finditer(folded):  # fewer than 7 characters hold no phone or ID number
        for run in _RUN.finditer(folded, max(at, stretch.start() - 2), stretch.end() + 1):
            spans.extend(_numbers(folded, run))
        at = stretch.end()
    spans.extend((m.start(), m.end(), ID) for m in _PASSPORT.finditer(folded))
    own = _own_names(names)
    if own is not None:
        spans.extend((m.start(), m.end(), NAME) for m in own.finditer(text))
    for hints, pattern in _ROOMS:
        if not hints or any(h in folded for h in hints):
            spans.extend((m.start("room"), m.end("room"), ROOM) for m in pattern.finditer(folded))
    for hints, pattern in _NAMES:
        if not hints or any(h in text for h in hints):
            spans.extend((m.start("name"), m.end("name"), NAME) for m in pattern.finditer(text))
    return _replace(text, spans) if spans else text


def name_variants(first_name: str | None, last_name: str | None) -> tuple[str, ...]:
    """The ways a resident's name may appear in their text: 张三, San Zhang, Zhang San."""
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if not first or not last:
        return tuple(n for n in (first, last) if n)
    return (last + first, f"{first} {last}", f"{last} {first}", first, last)


@lru_cache(maxsize=256)
def _own_names(names: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for the resident's names, longest first; Latin names match whole words only
    ("Li" must not eat "Library")."""
    kept = sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True)
    if not kept:
        return None
    return re.compile("|".join(rf"\b{re.escape(n)}\b" if n.isascii() else re.escape(n) for n in kept),
                      re.IGNORECASE)


def _numbers(folded: str, run: re.Match[str]) -> list[Span]:
    """Phone and ID numbers in one run of digit groups: the longest stretch of groups that is one."""
    groups = [(run.start() + m.start(), run.start() + m.end()) for m in _GROUP.finditer(run.group())]
    found: list[Span] = []
    i = 0
    while i < len(groups):
        for j in range(len(groups) - 1, i - 1, -1):
            start, end = groups[i][0], groups[j][1]
            if run.group().startswith("(") and i == 0:
                start = run.start()
            tag = _classify(folded, start, end, "".join(folded[a:b] for a, b in groups[i:j + 1]))
            if tag is not None:
                found.append((start, end, tag))
                i = j
                break
        i += 1
    return found


def _classify(folded: str, start: int, end: int, chars: str) -> str | None:
    """``[id]``, ``[phone]`` or None for the digits ``chars`` written at ``folded[start:end]``."""
    if folded[start:end].count(".") == 1 and not re.search(r"[ \t()-]", folded[start:end]):
        return None  # a decimal number
    plus = chars.startswith("+")
    digits = chars.lstrip("+")
    if not digits[:-1].isdigit():
        return None
    if len(digits) == 18 and (_ID_SHAPE.fullmatch(digits) or (digits[0] != "0" and _id_checksum_ok(digits))):
        return ID
    if not digits.isdigit():
        return None
    if len(digits) == 15 and _OLD_ID_SHAPE.fullmatch(digits):
        return ID
    if len(digits) > 18 and any(_ID_SHAPE.fullmatch(digits[k:k + 18]) and _id_checksum_ok(digits[k:k + 18])
                                for k in range(len(digits) - 17)):
        return ID
    national = digits[2:] if plus and digits.startswith("86") else digits[4:] if digits.startswith("0086") else digits
    if len(national) == 11 and national[0] == "1" and national[1] in "3456789":
        return PHONE
    if national[0] == "0" and 10 <= len(national) <= 12 and not plus:
        return PHONE
    if plus and 8 <= len(digits) <= 15:
        return PHONE
    if 16 <= len(digits) <= 19 and _luhn_ok(digits):
        return ID
    if 7 <= len(digits) <= 8 and _PHONE_WORD.search(folded, max(0, start - 16), start):
        return PHONE
    return None


def _id_checksum_ok(chars: str) -> bool:
    """GB 11643 / ISO 7064 MOD 11-2 check character of an 18-character ID."""
    if len(chars) != 18 or not chars[:17].isdigit():
        return False
    total = sum(int(c) * w for c, w in zip(chars[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == chars[17].upper()


def _luhn_ok(digits: str) -> bool:
    total = 0
    for k, c in enumerate(reversed(digits)):
        d = int(c) * (2 if k % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _replace(text: str, spans: list[Span]) -> str:
    """Replace ``spans`` of ``text`` by their tags; of overlapping spans the one listed first wins."""
    kept: list[Span] = []
    for span in spans:
        if span[0] < span[1] and all(span[1] <= k[0] or span[0] >= k[1] for k in kept):
            kept.append(span)
    kept.sort()
    parts, at = [], 0
    for start, end, tag in kept:
        parts += [text[at:start], tag]
        at = end
    parts.append(text[at:])
    return "".join(parts)
