"""Resolution notifications and survey reminders: ``hotline:events`` -> Rasa ``trigger_intent``.

The notifier never calls WeChat or Telegram itself: it asks Rasa to speak, so the bot's
responses, language and per-channel rendering apply to every push. Run ``python -m hotline.notifier``.

Modules, named after what they hold: ``notifier`` (the ``Notifier`` loop), ``event_stream``
(the consumer group on ``hotline:events``), ``event_plan`` (what an event asks for),
``rasa_client`` (``trigger_intent``), ``survey_reminders`` and ``reminder_store`` (the one
reminder per resolution, in Redis), ``note_translation`` (an operator's note in the resident's
language), ``settings``, and ``bootstrap`` (the one place the real adapters are wired).
"""
