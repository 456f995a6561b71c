"""JSON on the Rasa server's hot paths: ujson (a Rasa dependency, two to three times faster than the
standard module on a tracker's events), with the standard module for whatever ujson refuses (NaN, an
object it does not know, a number out of its range), so nothing that encoded before fails now."""

import json
from typing import Any

import ujson


def dumps(value: Any) -> str:
    try:
        return str(ujson.dumps(value, ensure_ascii=False, escape_forward_slashes=False))
    except (TypeError, ValueError, OverflowError):
        return json.dumps(value, ensure_ascii=False)


def loads(text: str | bytes) -> Any:
    try:
        return ujson.loads(text)
    except ValueError:
        return json.loads(text)
