"""Custom Rasa NLU components (assistant runtime). Training data lives in nlu/<lang>/."""
