"""Typed errors shared by both runtimes."""


class HotlineError(Exception):
    """Base class of every error raised by our own code."""


class InvalidText(HotlineError, ValueError):
    """A text field is empty, too long or not valid text."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class DataFileError(HotlineError):
    """A shipped data file (taxonomy, gazetteer) is missing or malformed."""
