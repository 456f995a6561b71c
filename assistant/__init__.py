"""Everything the Rasa server loads that Rasa does not ship (assistant runtime, Python 3.10).

Start the assistant with ``python -m assistant run [rasa run options]``, never with plain
``rasa run``: the command checks the Rasa version, applies the speed fixes (``speedups``,
``graph_runner``) and switches on the WeChat and Telegram channels that the environment
configures (``credentials``). Rasa loads the rest by module path from the project files:
``rules.RecentRulePolicy`` (config.yml) and ``nlg.TranslatedNLG`` (endpoints.yml).
"""
