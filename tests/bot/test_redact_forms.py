"""bot.redact on the many ways residents write personal data, and on text that must stay as it is."""

import timeit

import pytest

from bot.redact import name_variants, redact

# (text, what redact must return)
PHONES = [
    ("手机13800138000", "手机[phone]"),
    ("手机１３８００１３８０００", "手机[phone]"),
    ("手机一三八零零一三八零零零", "手机[phone]"),
    ("手机幺三八〇〇幺三八〇〇〇", "手机[phone]"),
    ("电话一三八 两两一三 八零零零", "电话[phone]"),
    ("电话138.0013.8000", "电话[phone]"),
    ("电话138 0013 8000", "电话[phone]"),
    ("电话138-0013-8000", "电话[phone]"),
    ("电话138 - 0013.8000谢谢", "电话[phone]谢谢"),
    ("电话１３８－００１３－８０００", "电话[phone]"),
    ("call +86 138 0013 8000 please", "call [phone] please"),
    ("call 0086-138-0013-8000", "call [phone]"),
    ("call (+86)13800138000", "call [phone]"),
    ("Tel13800138000", "Tel[phone]"),
    ("座机010-6512 3456", "座机[phone]"),
    ("座机(010)65123456", "座机[phone]"),
    ("座机0755-8888 6666转3", "座机[phone]转3"),
    ("電話は090-1234-5678です", "電話は[phone]です"),
    ("電話は03-1234-5678です", "電話は[phone]です"),
    ("電話は０９０ー１２３４ー５６７８", "電話は[phone]"),
    ("call +81 90 1234 5678", "call [phone]"),
    ("电话65123456", "电话[phone]"),
    ("phone: 6512 3456", "phone: [phone]"),
    ("电话：138 0013 8000 010-6512 3456", "电话：[phone] [phone]"),
]

IDS = [
    ("身份证号110105199001011232", "身份证号[id]"),  # valid check character
    ("ID 11010519491231002X here", "ID [id] here"),  # valid, X
    ("ID 11010519491231002x here", "ID [id] here"),
    ("身份证１１０１０５１９９００１０１１２３４", "身份证[id]"),
    ("身份证110105 19900101 1234", "身份证[id]"),
    ("身份证110105199001011235错了", "身份证[id]错了"),  # wrong check character, ID shape: still private
    ("旧身份证110105900101123", "旧身份证[id]"),  # 15 digits: area, YYMMDD, 3 digits
    ("号码990000000000000019", "号码[id]"),  # no birth date, but the check character is valid
    ("单号990000000000000016", "单号990000000000000016"),  # no birth date, wrong check character: a number
    ("身份证110105199001011234 13800138000", "身份证[id] [phone]"),
    ("证件11010519900101123213800138000", "证件[id]"),  # a long run hiding a valid ID
    ("单号11010519900101123413800138000", "单号11010519900101123413800138000"),  # none valid: not an ID
    ("passport E12345678", "passport [id]"),
    ("护照G1234567", "护照[id]"),
    ("护照号EA1234567", "护照号[id]"),
    ("passport no. AB123456789", "passport no. [id]"),
    ("卡号6222021234567890128", "卡号[id]"),  # a bank card (Luhn)
]

EMAILS = [
    ("mail me: li.lei+12345@example.com.cn", "mail me: [email]"),
    ("邮箱zs＠example.com", "邮箱[email]"),
    ("邮箱ｚｓ＠ｅｘａｍｐｌｅ．ｃｏｍ谢谢", "邮箱[email]谢谢"),
]

NAMES = [
    ("我叫张三，住在三里屯", "我叫[name]，住在三里屯"),
    ("我叫王小明住在朝阳", "我叫[name]住在朝阳"),
    ("我是李明，想反映个问题", "我是[name]，想反映个问题"),
    ("我是欧阳娜娜", "我是[name]"),
    ("我姓王", "我姓[name]"),
    ("已联系业主王小明，电话13912345678", "已联系业主[name]，电话[phone]"),
    ("房东李四不退押金", "房东[name]不退押金"),
    ("联系人：王小明", "联系人：[name]"),
    ("联系人: John Smith", "联系人: [name]"),
    ("姓名：刘德华", "姓名：[name]"),
    ("王先生请回电", "[name]先生请回电"),
    ("请张三先生回电", "请[name]先生回电"),
    ("联系人：王先生", "联系人：[name]先生"),
    ("物业李师傅说明天来", "物业[name]师傅说明天来"),
    ("班主任王老师", "班主任[name]老师"),
    ("谢谢王老师", "谢谢[name]老师"),
    ("赵女士和孙小姐", "[name]女士和[name]小姐"),
    ("楼下刘阿姨", "楼下[name]阿姨"),
    ("my name is John Smith and I live here", "my name is [name] and I live here"),
    ("My name is wei li, from Chaoyang", "My name is [name], from Chaoyang"),
    ("Mr. Zhang called twice", "Mr. [name] called twice"),
    ("Ask Mrs Li Na", "Ask Mrs [name]"),
    ("Dr Smith says", "Dr [name] says"),
    ("田中さんが来た", "[name]さんが来た"),
    ("隣の山田太郎様", "隣の[name]様"),
    ("マイクさんに電話", "[name]さんに電話"),
    ("私は田中です", "私は[name]です"),
    ("私は鈴木花子と申します", "私は[name]と申します"),
    ("私はジョンです", "私は[name]です"),
    ("名前は佐藤です", "名前は[name]です"),
]

ROOMS = [
    ("5号楼 2单元 301室漏水", "5号楼 [room]漏水"),
    ("5号楼2单元301", "5号楼[room]"),
    ("五号楼二单元三零一室", "五号楼[room]"),
    ("3号楼2单元5层501", "3号楼[room]"),
    ("住在3-2-301", "住在3-[room]"),
    ("住301室", "住[room]"),
    ("1203号房", "[room]"),
    ("301号室の水漏れ", "[room]の水漏れ"),
    ("5号楼1203", "5号楼[room]"),
    ("A座1203有噪音", "A座[room]有噪音"),
    ("Room 301 is leaking", "[room] is leaking"),
    ("Apt 4B, Sanlitun", "[room], Sanlitun"),
    ("Flat 12 above mine", "[room] above mine"),
    ("unit #12-03", "[room]"),
    ("#12-03 is noisy", "[room] is noisy"),
]

UNCHANGED = [
    "小区门口路灯坏了一个星期，晚上很黑",
    "王府井大街路灯坏了",
    "请问王府井怎么走",
    "我是王府井的商户",
    "张家口来的车占道",
    "黄村地铁站附近积水",
    "马上让物业来修",
    "高新区的路灯不亮",
    "我是业主，楼上漏水",
    "我是三里屯的居民",
    "老师傅修好了",
    "保安师傅很好",
    "维修师傅说明天来",
    "门卫师傅不让进",
    "开车师傅绕路",
    "工程师傅不在",
    "辛苦师傅了",
    "语文老师",
    "历史老师体罚学生",
    "班主任老师",
    "高中老师",
    "谢谢老师",
    "祝老师节日快乐",
    "钟点工阿姨",
    "我叫了物业",
    "业主委员会不作为",
    "房东不退押金",
    "3室1厅",
    "2单元门口",
    "住在12层",
    "共有1200户居民",
    "人民币5000元",
    "订单号12345678",
    "价格3.1415926",
    "0.12345678",
    "2026-11-22 08:00",
    "2026.11.22",
    "公交300路",
    "12345热线",
    "朝阳区工体北路8号院3号楼, 2026年11月22日, 12345热线, 第12路公交",
    "Library on Main St",
    "The street light on Main Street is broken",
    "Please fix the pothole near Gate 3",
    "My flat is cold",
    "The unit price is 5 yuan",
    "Call 12345 for help",
    "ISO 9001 and ISO9001",
    "I am worried about my kids",
    "街灯が壊れています",
    "管理人さんに言ったが直らない",
    "大家さんと運転手さん",
    "お客様",
    "お疲れ様です",
    "ありがとうございます皆様",
    "私は学生です",
    "名前は分かりません",
    "3階の廊下",
    "版本2.0.1",
    "电话费太贵",
]


@pytest.mark.parametrize("text, expected", PHONES + IDS + EMAILS + NAMES + ROOMS)
def test_redacts_every_written_form(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_ordinary_text_stays_as_it_is(text: str) -> None:
    assert redact(text) == text


def test_the_original_span_is_replaced_not_the_folded_one() -> None:
    assert redact("（急）电话：１３８００１３８０００，谢谢！") == "（急）电话：[phone]，谢谢！"


def test_the_residents_own_names_in_every_variant() -> None:
    assert redact("王小明反映，小明很急", name_variants("小明", "王")) == "[name]反映，[name]很急"
    names = name_variants("Xiaoming", "Wang")
    assert redact("xiaoming wang wrote; Wang Xiaoming too", names) == "[name] wrote; [name] too"
    assert redact("小明和Library", name_variants("Li", "Wang")) == "小明和Library"


def test_everything_at_once() -> None:
    text = ("我叫张三，住朝阳区三里屯街道工体北路8号院5号楼2单元301室，物业李师傅一直没来。"
            "电话138 0013 8000，身份证110105199001011234，邮箱zs@example.com")
    assert redact(text) == ("我叫[name]，住朝阳区三里屯街道工体北路8号院5号楼[room]，物业[name]师傅一直没来。"
                            "电话[phone]，身份证[id]，邮箱[email]")


def test_fast_enough_for_every_public_get() -> None:
    text = ("我叫张三，住在朝阳区三里屯街道工体北路8号院5号楼2单元301室，楼上漏水已经一个星期了，物业李师傅说会来修"
            "但一直没来。请尽快处理，我的电话是138 0013 8000。The leak is getting worse every day. 谢谢！")
    seconds = min(timeit.repeat(lambda: redact(text), number=200, repeat=3)) / 200
    assert seconds < 0.002  # measured about 0.07 ms; a generous bound for a busy test machine
