"""Validate Open311 POST fields into a ``NewRequest``. Every failure is a ``BadRequest``."""

import hashlib
import hmac
import math
import re
from datetime import datetime, timezone

from bot.errors import InvalidText
from bot.lang import Lang
from bot.taxonomy import Attribute, Category, Taxonomy
from bot.text import clean_text
from hotline.domain.errors import BadRequest
from hotline.domain.tickets import AttributeValue, NewRequest
from hotline.open311.bodies import Fields

MAX_DESCRIPTION = 4000
MAX_ADDRESS = 500
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{5,20}$")
_CHANNEL = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_ATTRIBUTE_KEY = re.compile(r"^attribute\[([A-Za-z0-9_]+)\]$")
_OTHER_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def idempotency_key(header: str | None) -> str | None:
    """Check an ``Idempotency-Key`` header: 1-255 visible ASCII characters."""
    if header is None:
        return None
    if not _IDEMPOTENCY_KEY.match(header):
        raise BadRequest("Idempotency-Key must be 1-255 visible ASCII characters")
    return header


def _one(fields: Fields, key: str) -> str | None:
    value = fields.get(key)
    if isinstance(value, list):
        raise BadRequest(f"{key} must be given once")
    return value if value not in (None, "") else None


def _text(fields: Fields, key: str, max_chars: int, required: bool = False) -> str | None:
    raw = _one(fields, key)
    if raw is None:
        if required:
            raise BadRequest(f"{key} is required")
        return None
    try:
        return clean_text(raw, field=key, max_chars=max_chars, required=required) or None
    except InvalidText as exc:
        raise BadRequest(str(exc)) from exc


def _coordinate(fields: Fields, key: str, limit: float) -> float | None:
    raw = _one(fields, key)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise BadRequest(f"{key} must be a number") from exc
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise BadRequest(f"{key} must be between -{limit:g} and {limit:g}")
    return value


def _attribute(attr: Attribute, raw: str | list[str] | None) -> AttributeValue | None:
    if raw in (None, "", []):
        if attr.required:
            raise BadRequest(f"attribute[{attr.code}] is required")
        return None
    assert raw is not None
    keys = {v.key for v in attr.values}
    if attr.datatype == "multivaluelist":
        chosen = raw if isinstance(raw, list) else [raw]
        if any(v not in keys for v in chosen):
            raise BadRequest(f"attribute[{attr.code}] must be among {sorted(keys)}")
        return chosen
    if isinstance(raw, list):
        raise BadRequest(f"attribute[{attr.code}] takes one value")
    if attr.datatype == "singlevaluelist" and raw not in keys:
        raise BadRequest(f"attribute[{attr.code}] must be one of {sorted(keys)}")
    if attr.datatype == "number":
        try:
            float(raw)
        except ValueError as exc:
            raise BadRequest(f"attribute[{attr.code}] must be a number") from exc
    if attr.datatype == "datetime":
        parse_datetime(raw, f"attribute[{attr.code}]")
    try:
        return clean_text(raw, field=f"attribute[{attr.code}]", max_chars=1000)
    except InvalidText as exc:
        raise BadRequest(str(exc)) from exc


def _attributes(fields: Fields, category: Category) -> dict[str, AttributeValue]:
    known = {a.code: a for a in category.attributes}
    given = {m.group(1): v for k, v in fields.items() if (m := _ATTRIBUTE_KEY.match(k))}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise BadRequest(f"unknown attribute(s) for {category.code}: {', '.join(unknown)}")
    values = {code: _attribute(attr, given.get(code)) for code, attr in known.items()}
    return {code: value for code, value in values.items() if value is not None}


def _language(raw: str) -> tuple[str, str | None]:
    """The reply language and, for languages we do not serve (``ko``, ``ru-RU``), the written one.

    Residents writing in another language are answered in English; the ticket keeps their
    language so it can be flagged for a multilingual operator.
    """
    try:
        return Lang.parse(raw).value, None
    except ValueError:
        primary = raw.strip().replace("_", "-").split("-")[0].lower()
        if not _OTHER_LANGUAGE.match(primary):
            raise BadRequest("language must be an ISO 639 code such as zh, en, ja or ko") from None
        return Lang.EN.value, primary


REPORTER = re.compile(r"[0-9a-f]{32}")


def reporter_of(fields: Fields) -> str | None:
    """The optional ``reporter`` extension: the network an anonymous web chat wrote from (a digest).

    Raises:
        BadRequest: it is there but not 32 lowercase hex digits.
    """
    value = fields.pop("reporter", None)
    if value is None:
        return None
    if not isinstance(value, str) or not REPORTER.fullmatch(value):
        raise BadRequest("reporter must be 32 lowercase hex digits")
    return value


def source_key(request: NewRequest, *, api_key: str, address: str, names_resident: bool,
               reporter: str | None = None) -> str:
    """Who sent ``request``, as a SHA-256 hex digest: the reporter's network or the channel user, else
    the API key and address.

    Only a caller trusted to name residents (``names_resident``: the assistant's keys) is taken at
    its word about the reporter's network (anonymous web chat sessions from one network are one
    source) and the channel user. The address is keyed with the API key (HMAC), so the stored
    digest does not give the address away.
    """
    if names_resident and reporter:
        return hashlib.sha256(f"reporter\x1f{reporter}".encode()).hexdigest()
    if names_resident and request.channel and request.channel_user_id:
        return hashlib.sha256(f"{request.channel}\x1f{request.channel_user_id}".encode()).hexdigest()
    return hmac.new(api_key.encode(), address.encode(), hashlib.sha256).hexdigest()


def parse_datetime(raw: str, field: str) -> datetime:
    """A W3C/ISO 8601 datetime with a timezone (``Z`` or an offset)."""
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise BadRequest(f"{field} must be an ISO 8601 datetime such as 2026-11-22T08:00:00+08:00") from exc
    if value.tzinfo is None:
        raise BadRequest(f"{field} needs a timezone (Z or an offset such as +08:00)")
    try:  # 9999-12-31T23:59:59-23:59 parses, but is after datetime.max in UTC (the database compares in UTC)
        value.astimezone(timezone.utc)
    except OverflowError as exc:
        raise BadRequest(f"{field} is out of range: years 1-9999 in UTC") from exc
    return value


def parse_new_request(fields: Fields, taxonomy: Taxonomy) -> NewRequest:
    """Validate the fields of ``POST requests``.

    Raises:
        BadRequest: naming the first field that is wrong.
    """
    service_code = _one(fields, "service_code")
    if service_code is None:
        raise BadRequest("service_code is required")
    category = taxonomy.leaf(service_code)
    if category is None:
        raise BadRequest(f"service_code {service_code!r} not found")
    lat, lon = _coordinate(fields, "lat", 90), _coordinate(fields, "long", 180)
    if (lat is None) != (lon is None):
        raise BadRequest("lat and long go together")
    address = _text(fields, "address_string", MAX_ADDRESS)
    if lat is None and address is None and category.needs_location:
        raise BadRequest("a location is required: lat and long, or address_string")
    language, source_language = _language(_one(fields, "language") or Lang.ZH.value)
    email, phone = _one(fields, "email"), _one(fields, "phone")
    if email is not None and (len(email) > 254 or not _EMAIL.match(email)):
        raise BadRequest("email is not a valid address")
    if phone is not None and not _PHONE.match(phone):
        raise BadRequest("phone must be 5-20 digits, spaces, brackets, dashes, optionally after +")
    media_url = _one(fields, "media_url")
    if media_url is not None and (len(media_url) > 1000 or not re.match(r"^https?://\S+$", media_url)):
        raise BadRequest("media_url must be an http(s) URL of at most 1000 characters")
    channel = _one(fields, "channel")
    if channel is not None and not _CHANNEL.match(channel):
        raise BadRequest("channel must be a short lowercase name such as wechat, telegram or webchat")
    channel_user_id = _text(fields, "channel_user_id", 128)
    if (channel is None) != (channel_user_id is None):
        raise BadRequest("channel and channel_user_id go together")
    return NewRequest(
        service_code=service_code,
        description=_text(fields, "description", MAX_DESCRIPTION, required=True) or "",
        language=language, source_language=source_language, lat=lat, long=lon, address_string=address,
        attributes=_attributes(fields, category), media_url=media_url, email=email, phone=phone,
        first_name=_text(fields, "first_name", 100), last_name=_text(fields, "last_name", 100),
        device_id=_text(fields, "device_id", 128), account_id=_text(fields, "account_id", 128),
        channel=channel, channel_user_id=channel_user_id,
    )
