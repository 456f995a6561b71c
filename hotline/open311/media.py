"""Media of public tickets: signed, expiring links, and the proxy that serves them.

The public record never shows a stored ``media_url``: the photo's address may identify the
resident (a personal cloud folder, a token in the URL) and its server would learn who looks.
Public views show ``/open311/v2/media/{service_request_id}?expires=<unix>&signature=<hex>``
instead: an HMAC-SHA256 with ``HOTLINE_MEDIA_KEY`` over the id and the expiry, valid for
``HOTLINE_MEDIA_LINK_SECONDS`` (default one hour). The route checks the link (403), finds the
public ticket (404), and fetches the stored URL server-side (502 for anything it will not pass on):

- only from ``HOTLINE_MEDIA_HOSTS`` (``host`` for any port, ``host:port`` for one);
- no redirects followed, no proxy from the environment, ``FETCH_SECONDS`` in all;
- at most ``MAX_MEDIA_BYTES``, and only ``image/*``, ``video/*`` or ``audio/*`` (SVG is not an
  image here: it can carry script).

A client is built per fetch: media views are rare next to list reads, and a fetch that is
refused never opens a connection.
"""

import asyncio
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import httpx

from hotline.domain.errors import BackendError, Forbidden

MAX_MEDIA_BYTES = 10 * 1024 * 1024
FETCH_SECONDS = 10.0
MEDIA_TYPES = ("image/", "video/", "audio/")
REFUSED_TYPES = frozenset({"image/svg+xml"})
# Proxied bytes are shown, never run: no sniffing, no scripts, no frames, whatever the file claims.
SAFE_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"}


class BadGateway(BackendError):
    """The stored media cannot or must not be passed on."""

    status_code = 502


@dataclass(frozen=True)
class Media:
    content: bytes
    content_type: str


def sign(key: str, service_request_id: str, expires: int) -> str:
    """The hex HMAC-SHA256 of a media link."""
    message = f"{service_request_id}\n{expires}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def media_link(base_url: str, key: str, service_request_id: str, *, now: float, lifetime: int) -> str:
    """An absolute link to the ticket's media, valid ``lifetime`` seconds from ``now``."""
    expires = int(now) + lifetime
    return (f"{base_url.rstrip('/')}/open311/v2/media/{quote(service_request_id, safe='')}"
            f"?expires={expires}&signature={sign(key, service_request_id, expires)}")


def check_link(key: str, service_request_id: str, expires: str, signature: str, *, now: float) -> int:
    """The seconds the link has left.

    Raises:
        Forbidden: the signature is wrong (compared in constant time) or the link has expired.
    """
    expected = sign(key, service_request_id, int(expires)) if expires.isdigit() and len(expires) <= 12 else ""
    if not expected or not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise Forbidden("the media link is not valid")
    remaining = int(expires) - int(now)
    if remaining <= 0:
        raise Forbidden("the media link has expired")
    return remaining


def host_allowed(url: str, hosts: frozenset[str]) -> bool:
    """Whether ``url`` is http(s) on a host (any port) or host:port of ``hosts``."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    written = f"[{host}]" if ":" in host else host
    return written in hosts or f"{written}:{port}" in hosts


async def fetch_media(url: str, hosts: frozenset[str], *, seconds: float = FETCH_SECONDS,
                      max_bytes: int = MAX_MEDIA_BYTES) -> Media:
    """The bytes and type of the media at ``url``.

    Raises:
        BadGateway: a host not allowed, an error answer or a redirect, another type, too large, too slow.
    """
    if not host_allowed(url, hosts):
        raise BadGateway("the media is on a host this service does not fetch from")
    try:
        async with asyncio.timeout(seconds), httpx.AsyncClient(
            timeout=seconds, follow_redirects=False, trust_env=False
        ) as client, client.stream("GET", url, headers={"Accept": "image/*, video/*, audio/*"}) as response:
            if response.status_code != 200:
                raise BadGateway(f"the media server answered {response.status_code}")
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if not content_type.startswith(MEDIA_TYPES) or content_type in REFUSED_TYPES:
                raise BadGateway(f"the media is not an image, video or sound ({content_type or 'no type'})")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise BadGateway(f"the media is larger than {max_bytes} bytes")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise BadGateway(f"the media is larger than {max_bytes} bytes")
    except TimeoutError as exc:
        raise BadGateway("the media server took too long") from exc
    except httpx.HTTPError as exc:
        raise BadGateway(f"the media could not be fetched ({type(exc).__name__})") from exc
    return Media(bytes(body), content_type)
