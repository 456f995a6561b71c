"""Dialogue policies (Rasa graph components) of the assistant."""
