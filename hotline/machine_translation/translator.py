"""Machine translation for the hotline: routes (direct or through English), glossary, cache."""

import re
from dataclasses import dataclass

from hotline.machine_translation.cache import TranslationCache
from hotline.machine_translation.engine import Engine, InstalledPackage
from hotline.machine_translation.glossary import Glossary

PIVOT = "en"
_WORDS = re.compile(r"\w", re.UNICODE)


class NoRoute(LookupError):
    """No installed package, direct or through English, translates this pair."""


@dataclass(frozen=True)
class Translation:
    text: str
    source: str
    target: str
    route: tuple[str, ...]  # ("ja", "en", "zh") when pivoted
    cached: bool  # every segment came from the cache

    @property
    def pivoted(self) -> bool:
        return len(self.route) > 2


class Translator:
    """Translates text between installed languages, protecting glossary terms, caching each hop."""

    def __init__(self, engine: Engine, cache: TranslationCache, glossary: Glossary) -> None:
        self.engine = engine
        self.cache = cache
        self.glossary = glossary

    def _versions(self) -> dict[tuple[str, str], InstalledPackage]:
        return {(p.from_code, p.to_code): p for p in self.engine.packages()}

    def route(self, source: str, target: str) -> tuple[str, ...] | None:
        """The languages a text passes through, or None when nothing installed can do it."""
        return route_between(set(self._versions()), source, target)

    def translate(self, text: str, *, source: str, target: str) -> Translation:
        """Translate ``text``; protected terms are kept (in ``target``'s form where the glossary has one).

        Raises:
            NoRoute: no installed package (direct or through English) for this pair.
        """
        packages = self._versions()
        route = route_between(set(packages), source, target)
        if route is None:
            raise NoRoute(f"no installed translation from {source} to {target}")
        if source == target:
            return Translation(text, source, target, route, cached=True)
        parts, all_cached = [], True
        for segment in self.glossary.segments(text, target):
            if segment.protected or not _WORDS.search(segment.text):
                parts.append(segment.text)
                continue
            value = segment.text
            for hop_source, hop_target in zip(route, route[1:], strict=False):
                value, hit = self._hop(value, hop_source, hop_target, packages[(hop_source, hop_target)])
                all_cached = all_cached and hit
            parts.append(_spaced(value, target, segment.text))
        return Translation(_join(parts, target), source, target, route, cached=all_cached)

    def _hop(self, text: str, source: str, target: str, package: InstalledPackage) -> tuple[str, bool]:
        model = f"{self.engine.name}:{source}-{target}:{package.version}"
        core = text.strip()
        cached = self.cache.get(model, source, target, core)
        if cached is not None:
            return cached, True
        translated = self.engine.translate(core, source, target).strip()
        self.cache.put(model, source, target, core, translated)
        return translated, False


def route_between(pairs: set[tuple[str, str]], source: str, target: str) -> tuple[str, ...] | None:
    """Direct when a package does it, else through English when two packages do, else None."""
    if source == target or (source, target) in pairs:
        return (source, target)
    if (source, PIVOT) in pairs and (PIVOT, target) in pairs:
        return (source, PIVOT, target)
    return None


def _spaced(translated: str, target: str, original: str) -> str:
    """Keep the spaces around a segment in languages written with spaces."""
    if target in ("zh", "ja"):
        return translated
    lead = " " if original[:1].isspace() else ""
    trail = " " if original[-1:].isspace() else ""
    return f"{lead}{translated}{trail}"


def _join(parts: list[str], target: str) -> str:
    text = "".join(parts)
    return text.strip() if target not in ("zh", "ja") else re.sub(r"\s+", " ", text).strip()
