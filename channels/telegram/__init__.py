"""Telegram bot connector (python-telegram-bot 22). Credentials key: ``channels.telegram.TelegramInput``."""

from channels.telegram.connector import TelegramInput

__all__ = ["TelegramInput"]
