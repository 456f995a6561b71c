"""Typed errors of the backend, each with the HTTP status it maps to (in one place: hotline.app)."""

from bot.errors import HotlineError


class BackendError(HotlineError):
    status_code = 400

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class BadRequest(BackendError):
    status_code = 400


class Unauthorized(BackendError):
    status_code = 401


class Forbidden(BackendError):
    status_code = 403


class NotFound(BackendError):
    status_code = 404


class Conflict(BackendError):
    status_code = 409


class PayloadTooLarge(BackendError):
    status_code = 413


class UnsupportedMediaType(BackendError):
    status_code = 415
