"""Rasa input and output channels (connectors): the web chat, and the messaging platforms.

Connectors are thin: they turn a platform's request into a ``UserMessage``, hand it to Rasa
and answer the platform. They never import ``actions`` or ``hotline``.
"""
