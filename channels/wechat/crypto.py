"""Checking and opening WeChat's webhook calls; sealing passive replies.

Every check happens here, without a network call, before anything reaches Rasa:

- ``signature`` = sha1 of the sorted token, timestamp and nonce; in safe mode also
  ``msg_signature`` = sha1 of the sorted token, timestamp, nonce and the ``Encrypt`` text.
  Both are compared with ``hmac.compare_digest``.
- the timestamp lies within ``window`` seconds of the clock (injectable, so Tencent's 2014
  sample can be verified);
- the body is at most ``max_body_bytes``, UTF-8, and carries no DOCTYPE or entity declaration
  (XXE, billion laughs), before and after decryption;
- safe mode: AES-256-CBC per WeChat's scheme (wechatpy's ``PrpCrypto``), and the appid inside
  the decrypted message must be ours.

Failures raise ``Refused`` with the HTTP status to answer: 403 for anything about authenticity
(signature, timestamp, appid), 400 for a malformed request, 413 for an oversized body.
"""

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class Refused(Exception):
    """The call is not answered beyond its status: it never reaches Rasa."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def sha1_signature(*parts: str) -> str:
    """WeChat's signature: sha1 over the parts sorted and concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def parse_xml(body: bytes) -> dict[str, Any]:
    """The ``<xml>`` root of a WeChat message as a dict; declarations and bad XML are refused."""
    if _DECLARATION.search(body):
        raise Refused(400, "DOCTYPE and ENTITY declarations are not accepted")
    try:
        text = body.decode("utf-8")
        root = xmltodict.parse(text, disable_entities=True)
    except (UnicodeDecodeError, ValueError, ExpatError) as error:
        raise Refused(400, f"not well-formed XML: {type(error).__name__}") from None
    message = root.get("xml") if isinstance(root, dict) else None
    if not isinstance(message, dict):
        raise Refused(400, "no <xml> root element")
    return message


class Envelope:
    """Opens webhook calls for one official account and seals the passive replies to them."""

    def __init__(self, *, token: str, app_id: str, aes_key: str | None = None, window: int = 300,
                 max_body_bytes: int = 32 * 1024, clock: Callable[[], float] = time.time) -> None:
        self.token = token
        self.app_id = app_id
        self.window = window
        self.max_body_bytes = max_body_bytes
        self.clock = clock
        self._crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None

    @property
    def safe_mode(self) -> bool:
        return self._crypto is not None

    def _check_signed(self, query: Mapping[str, str]) -> None:
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if not timestamp.isdigit() or not nonce:
            raise Refused(403, "timestamp and nonce are required")
        if abs(self.clock() - int(timestamp)) > self.window:
            raise Refused(403, "timestamp outside the allowed window")
        expected = sha1_signature(self.token, timestamp, nonce)
        if not hmac.compare_digest(expected, query.get("signature", "")):
            raise Refused(403, "bad signature")

    def verify_url(self, query: Mapping[str, str]) -> str:
        """GET: URL verification; returns the ``echostr`` to echo."""
        self._check_signed(query)
        echo = query.get("echostr", "")
        if not echo:
            raise Refused(400, "echostr missing")
        return echo

    def open(self, query: Mapping[str, str], body: bytes) -> dict[str, Any]:
        """POST: the verified (and in safe mode decrypted) message as a dict of its XML fields."""
        if len(body) > self.max_body_bytes:
            raise Refused(413, "body too large")
        self._check_signed(query)
        outer = parse_xml(body)
        if self._crypto is None:
            return outer
        encrypted = outer.get("Encrypt")
        if query.get("encrypt_type", "aes") != "aes" or not isinstance(encrypted, str):
            raise Refused(400, "safe mode: an AES-encrypted body is required")
        expected = sha1_signature(self.token, query["timestamp"], query["nonce"], encrypted)
        if not hmac.compare_digest(expected, query.get("msg_signature", "")):
            raise Refused(403, "bad msg_signature")
        try:
            plain = PrpCrypto(self._crypto.key).decrypt(encrypted, self.app_id)
        except InvalidAppIdException:
            raise Refused(403, "message for another appid") from None
        except Exception as error:  # bad base64, padding or length prefix: wechatpy raises anything
            raise Refused(400, f"cannot decrypt: {type(error).__name__}") from None
        return parse_xml(plain.encode("utf-8"))

    def seal(self, reply_xml: str, *, nonce: str | None = None, timestamp: str | None = None) -> str:
        """The passive reply as sent: encrypted and signed in safe mode, else as it is."""
        if self._crypto is None:
            return reply_xml
        nonce = nonce or str(secrets.randbelow(10**10))
        timestamp = timestamp or str(int(self.clock()))
        sealed: str = self._crypto.encrypt_message(reply_xml, nonce, timestamp)
        return sealed


def cdata(value: str) -> str:
    """Text as CDATA, safe even when it contains ``]]>``."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(*, to_user: str, from_user: str, content: str, create_time: int) -> str:
    """A passive text reply's XML (wechatpy's TextReply does not escape ``]]>``)."""
    return (f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{cdata(content)}</Content></xml>")
