"""The response catalogue: every response in zh, en and ja, and the policy answers.

Texts live in ``translations/responses/<lang>.yml`` (response name -> variants) and
``translations/faq.yml`` (topic -> authority, answer, what to bring, channel, source).
"""

import random
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.errors import DataFileError
from bot.lang import LANGS, Lang

HERE = Path(__file__).parent
FAQ_PREFIX = "utter_faq/"
FAQ_LAYOUT = "msg_faq_answer"
Variant = dict[str, Any]


class _Blank(dict[str, Any]):
    """Placeholders without a value render empty rather than failing the whole message."""

    def __missing__(self, key: str) -> str:
        return ""


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class Catalog:
    responses: Mapping[str, Mapping[str, list[Variant]]]  # lang -> name -> variants
    faq: Mapping[str, Mapping[str, Any]]  # topic -> {last_reviewed, source_url, zh: {...}, ...}

    def names(self) -> set[str]:
        """Every response name, the FAQ answers included (``utter_faq/<topic>``)."""
        return set(self.responses[Lang.ZH.value]) | {FAQ_PREFIX + topic for topic in self.faq}

    def render(self, name: str, lang: str, params: Mapping[str, Any],
               rng: random.Random | None = None) -> Variant | None:
        """One variant of ``name`` in ``lang`` with placeholders filled, or None if unknown."""
        lang = Lang.parse(lang, default=Lang.ZH).value
        if name.startswith(FAQ_PREFIX):
            return self._faq(name[len(FAQ_PREFIX):], lang, params)
        variants = self.responses[lang].get(name)
        if not variants:
            return None
        variant = (rng or random).choice(variants)
        return _fill(variant, params)

    def _faq(self, topic: str, lang: str, params: Mapping[str, Any]) -> Variant | None:
        entry = self.faq.get(topic)
        if entry is None:
            return None
        text = entry[lang]
        bullet = "• " if lang != "ja" else "・"
        fields = {
            "authority": text["authority"], "answer": text["answer"], "channel": text["channel"],
            "source": text["source"], "source_url": entry["source_url"], "last_reviewed": entry["last_reviewed"],
            "bring": "\n".join(bullet + item for item in text["bring"]),
        }
        layout = self.responses[lang][FAQ_LAYOUT][0]
        return _fill(layout, {**params, **fields})


def _fill(variant: Variant, params: Mapping[str, Any]) -> Variant:
    values = _Blank({k: "" if v is None else v for k, v in params.items()})
    filled = dict(variant)
    if "text" in filled:
        filled["text"] = string.Formatter().vformat(str(filled["text"]), (), values)
    if "buttons" in filled:
        filled["buttons"] = [
            {**button, "title": string.Formatter().vformat(str(button["title"]), (), values)}
            for button in filled["buttons"]
        ]
    return filled


def load_catalog(folder: Path = HERE) -> Catalog:
    """Read the response files for every language and the FAQ file.

    Raises:
        DataFileError: a file is missing or malformed, or the languages disagree on names.
    """
    responses: dict[str, dict[str, list[Variant]]] = {}
    for lang in LANGS:
        data = _yaml(folder / "responses" / f"{lang.value}.yml")
        if not isinstance(data, dict) or not all(isinstance(v, list) and v for v in data.values()):
            raise DataFileError(f"responses/{lang.value}.yml: each name needs a list of variants")
        responses[lang.value] = data
    names = {lang: set(table) for lang, table in responses.items()}
    if len({frozenset(n) for n in names.values()}) != 1:
        missing = {lang: sorted(set().union(*names.values()) - n) for lang, n in names.items()}
        raise DataFileError(f"the languages disagree on response names: missing {missing}")
    faq = _yaml(folder / "faq.yml")
    if not isinstance(faq, dict):
        raise DataFileError("faq.yml must map topics to answers")
    return Catalog(responses=responses, faq=faq)


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataFileError(f"cannot read {path}: {exc}") from exc
