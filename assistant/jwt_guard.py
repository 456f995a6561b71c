"""A malformed JWT gets 401 from Rasa's HTTP API, not 500.

sanic-jwt (under Rasa 3.6.21) turns only some of PyJWT's errors into "not authenticated"; a token
whose header names another algorithm (``"alg": "none"``, ``RS256``) raises
``InvalidAlgorithmError`` out of the request and Sanic answers 500. ``apply_jwt_guard`` makes every
PyJWT error, and any error reading the token, count as not authenticated. Applied by
``python -m assistant run``.
"""

from typing import Any


def apply_jwt_guard() -> None:
    import jwt
    from sanic_jwt.authentication import Authentication

    original = getattr(Authentication._verify, "__guarded__", Authentication._verify)

    async def _verify(self: Any, request: Any, return_payload: bool = False, *args: Any, **kwargs: Any) -> Any:
        try:
            return await original(self, request, return_payload, *args, **kwargs)
        except (jwt.exceptions.PyJWTError, ValueError, TypeError, KeyError):
            return None if return_payload else (False, 401, ["Auth required."])

    _verify.__guarded__ = original  # type: ignore[attr-defined]
    Authentication._verify = _verify
