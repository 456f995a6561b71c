"""Response texts per language, language detection, and (later) machine translation.

Assistant runtime (Python 3.10). Texts are data: ``translations/responses/<lang>.yml`` and the
policy answers in ``translations/faq.yml``.
"""
