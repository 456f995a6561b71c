"""Decode a POST body (form, JSON or XML) into flat Open311 fields.

Open311 clients send ``application/x-www-form-urlencoded``; we also take JSON and XML.
Attributes arrive as ``attribute[code]`` (form), an ``attribute`` object (JSON) or an
``<attribute>`` element whose children are the codes (XML). XML with a DOCTYPE or
entities is refused.
"""

import json
from typing import Any
from urllib.parse import parse_qsl
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from hotline.domain.errors import BadRequest, UnsupportedMediaType

Fields = dict[str, str | list[str]]


def decode_body(body: bytes, content_type: str) -> Fields:
    """Flat fields from a request body.

    Raises:
        BadRequest: not UTF-8, malformed, or XML with a DOCTYPE/entity.
        UnsupportedMediaType: a content type we do not read.
    """
    media_type = content_type.split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("the body must be UTF-8") from exc
    if media_type in ("", "application/x-www-form-urlencoded"):
        return _from_form(text)
    if media_type == "application/json":
        return _from_json(text)
    if media_type in ("application/xml", "text/xml"):
        return _from_xml(text)
    raise UnsupportedMediaType(f"unsupported content type {media_type!r}")


def _add(fields: Fields, key: str, value: str) -> None:
    if key.endswith("[]"):
        key = key[:-2]
        existing = fields.setdefault(key, [])
        if isinstance(existing, list):
            existing.append(value)
            return
    fields[key] = value


def _from_form(text: str) -> Fields:
    fields: Fields = {}
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=200)
    except ValueError as exc:
        raise BadRequest(f"malformed form body: {exc}") from exc
    for key, value in pairs:
        _add(fields, key, value)
    return fields


def _scalar(value: Any, key: str) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        raise BadRequest(f"{key} must be a string or a number")
    return str(value)


def _from_json(text: str) -> Fields:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BadRequest(f"malformed JSON: {exc}") from exc
    except RecursionError as exc:  # the C decoder refuses deep nesting this way (30,000 "[" fit in 64 KB)
        raise BadRequest("malformed JSON: nested too deeply") from exc
    if not isinstance(data, dict):
        raise BadRequest("the JSON body must be an object")
    fields: Fields = {}
    for key, value in data.items():
        if key == "attribute" and not isinstance(value, dict):
            raise BadRequest('attribute must be an object such as {"recurring": "once"}')
        if key == "attribute" and isinstance(value, dict):
            for code, attr in value.items():
                name = f"attribute[{code}]"
                fields[name] = [_scalar(v, name) for v in attr] if isinstance(attr, list) else _scalar(attr, name)
        elif isinstance(value, list):
            fields[key.removesuffix("[]")] = [_scalar(v, key) for v in value]
        else:
            fields[key] = _scalar(value, key)
    return fields


def _from_xml(text: str) -> Fields:
    try:
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadRequest("XML with a DOCTYPE or entities is not accepted") from exc
    except ParseError as exc:
        raise BadRequest(f"malformed XML: {exc}") from exc
    fields: Fields = {}
    for child in root:
        if child.tag == "attribute":
            for attr in child:
                values = [v.text or "" for v in attr if v.tag == "value"]
                fields[f"attribute[{attr.tag}]"] = values if values else (attr.text or "")
        else:
            _add(fields, child.tag, child.text or "")
    return fields
