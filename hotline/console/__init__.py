"""Operator console: server-rendered pages (being written)."""
