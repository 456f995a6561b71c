"""What every connector shares: payload strings for Rasa, text splitting, Redis from a Sanic loop, body limits."""
