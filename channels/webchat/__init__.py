"""The web chat: Rasa's socket.io channel plus its page. Credentials key: ``channels.webchat.WebChatInput``."""

from channels.webchat.connector import WebChatInput

__all__ = ["WebChatInput"]
