"""What the assistant says, and in which language a resident writes. Shared by both runtimes.

Response texts are data: ``translations/responses/<lang>.yml`` and the policy answers in
``translations/faq.yml``, read by ``catalog``. ``detect`` tells the language of a message
(script rules, langdetect, the conversation's language). No Rasa import here: the backend
detects appeal languages with the same code. Machine translation is the services runtime's
``hotline/machine_translation/``; the Rasa NLG that speaks these texts is ``assistant/nlg.py``.
"""
