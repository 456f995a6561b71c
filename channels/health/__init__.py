"""Liveness and readiness of a Rasa server, for a load balancer or an orchestrator."""

from channels.health.connector import HealthInput

__all__ = ["HealthInput"]
