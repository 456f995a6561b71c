"""Test doubles: fake platforms (Telegram, WeChat), a fake Rasa, tiny Argos models, throwaway Redis and
PostgreSQL servers, threads that serve an app. Used by tests and, for the same fakes, by bench/."""
