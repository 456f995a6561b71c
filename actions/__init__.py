"""Custom actions (rasa-sdk action server, assistant runtime). Reach the backend over HTTP only."""
