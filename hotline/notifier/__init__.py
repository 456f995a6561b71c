"""Resolution notifications and survey reminders: ``hotline:events`` -> Rasa ``trigger_intent``.

The notifier never calls WeChat or Telegram itself: it asks Rasa to speak, so the bot's
responses, language and per-channel rendering apply to every push. Run ``python -m hotline.notifier``.
"""
