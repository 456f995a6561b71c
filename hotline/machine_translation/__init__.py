"""Machine translation for operators and residents (Argos Translate, offline).

``engine`` (installed packages, Argos), ``glossary`` (terms never translated), ``cache``
(database table), ``translator`` (routes through English, glossary, cache), ``jobs`` (an
appeal into Chinese; an operator's note into the resident's language), ``worker`` (the
process that runs the jobs off the request path), ``bootstrap`` (wiring), ``install``
(``make models``).
"""


def translate_note(text: str, source: str, target: str) -> str:
    """For the notifier (hotline/notifier/note_translation.py): an operator's note in the resident's language.

    Returns "" when no installed model translates ``source`` -> ``target`` (directly or through
    English), so the caller sends the note as written. The translator (argostranslate, the
    database cache) is built on first call from the process's settings and kept.
    """
    from hotline.machine_translation.bootstrap import process_translator
    from hotline.machine_translation.jobs import translate_note as translate

    result = translate(process_translator(), text, note_language=source, resident_language=target)
    return result.text if result.machine_translated else ""
