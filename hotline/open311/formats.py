"""Open311's two wire formats: JSON and XML (XML is required by the standard).

JSON is a bare list of objects; XML wraps the same objects in a root element, with nested
lists in plural/singular element pairs (``<attributes><attribute>``).
"""

from collections.abc import Mapping, Sequence
from typing import Any, Literal
from xml.etree.ElementTree import Element, SubElement, tostring

from fastapi import Response
from fastapi.responses import JSONResponse

Format = Literal["json", "xml"]
FORMATS: tuple[Format, ...] = ("json", "xml")
XML_MEDIA_TYPE = "text/xml; charset=utf-8"
# Nested list element -> the element name of each of its items.
_ITEM_NAMES = {"attributes": "attribute", "values": "value", "errors": "error"}


class UTF8JSONResponse(JSONResponse):
    media_type = "application/json; charset=utf-8"


XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'


def to_xml(root: str, item: str, items: Sequence[Mapping[str, Any]]) -> bytes:
    """Serialise ``items`` as ``<root><item>...</item>...</root>`` with an XML declaration."""
    root_element = Element(root)
    for entry in items:
        _fill(SubElement(root_element, item), entry)
    body: bytes = tostring(root_element, encoding="utf-8", xml_declaration=False)
    return XML_DECLARATION + body


def _fill(element: Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            if isinstance(child, list) and child and isinstance(child[0], Mapping):
                holder = SubElement(element, key)
                for entry in child:
                    _fill(SubElement(holder, _ITEM_NAMES.get(key, "item")), entry)
            else:
                _fill(SubElement(element, key), child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif isinstance(value, list):
        element.text = ",".join(str(v) for v in value)
    elif value is not None:
        element.text = str(value)


def render(fmt: Format, root: str, item: str, items: Sequence[Mapping[str, Any]], status_code: int = 200) -> Response:
    """The response for ``items`` in the requested format."""
    if fmt == "xml":
        return Response(to_xml(root, item, items), status_code=status_code, media_type=XML_MEDIA_TYPE)
    return UTF8JSONResponse(list(items), status_code=status_code)


def render_object(fmt: Format, element: str, value: Mapping[str, Any]) -> Response:
    """A single object (a service definition): a JSON object, or one XML element."""
    if fmt == "xml":
        root = Element(element)
        _fill(root, value)
        return Response(XML_DECLARATION + tostring(root, encoding="utf-8"), media_type=XML_MEDIA_TYPE)
    return UTF8JSONResponse(dict(value))


def render_error(fmt: Format, status_code: int, description: str) -> Response:
    """Open311's error body: ``[{"code": 403, "description": "..."}]`` or ``<errors><error>``."""
    return render(fmt, "errors", "error", [{"code": status_code, "description": description}], status_code)
