"""A webhook's request body, refused as soon as it passes a limit (before Rasa, before parsing)."""

from sanic.request import Request


class BodyTooLarge(Exception):
    """The body passed the limit: answer 413."""


async def read_body(request: Request, limit: int) -> bytes:
    """The body of a ``stream=True`` route (or the one Sanic read), at most ``limit`` bytes.

    Raises:
        BodyTooLarge: declared or streamed beyond ``limit``.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"more than {limit} bytes")
    if request.stream is None:  # not a streamed route (Sanic read it already)
        body: bytes = request.body or b""
    else:
        body = b""
        while (chunk := await request.stream.read()) is not None:
            body += chunk
            if len(body) > limit:
                raise BodyTooLarge(f"more than {limit} bytes")
    if len(body) > limit:
        raise BodyTooLarge(f"more than {limit} bytes")
    return body
