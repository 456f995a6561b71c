"""Valid sample answers for a category's required Open311 attributes (tests and benchmarks)."""

from bot.taxonomy import Category

_SAMPLES = {"datetime": "2026-11-20T08:00:00+08:00", "number": "3", "string": "text", "text": "text"}


def required_answers(category: Category) -> dict[str, str]:
    """Answers to every required attribute, as Open311 form fields ``attribute[code]``."""
    return {
        f"attribute[{a.code}]": a.values[0].key if a.values else _SAMPLES[a.datatype]
        for a in category.attributes if a.required
    }
