"""The REST channel for integrations, behind a key (``channels.rest.KeyedRestInput``)."""

from channels.rest.connector import KeyedRestInput

__all__ = ["KeyedRestInput"]
