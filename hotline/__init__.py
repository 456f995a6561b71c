"""The hotline backend: Open311 API, operator API and console, routing, events."""
