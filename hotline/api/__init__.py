"""Operator, analyst and assistant APIs under /api/ (bearer tokens)."""
