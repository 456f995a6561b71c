"""Argos Translate, offline: installed packages, one direct language pair per call.

Packages live in ``ARGOS_PACKAGES_DIR`` (settings.argos_packages_dir). Listing them reads their
``metadata.json`` only, so the web process never imports argostranslate (which imports stanza
and torch); translating imports it on first use. Nothing here touches the network: the package
index is never read, and sentences are split by a blank spaCy pipeline written to argostranslate's
spaCy cache (``ARGOS_CHUNK_TYPE=SPACY``) so it never downloads ``xx_sent_ud_sm`` or MiniSBD models.
"""

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class InstalledPackage:
    from_code: str
    to_code: str
    version: str
    path: Path


class Engine(Protocol):
    """What the translator needs from a machine-translation engine."""

    name: str

    def packages(self) -> list[InstalledPackage]:
        """The installed direct language pairs."""
        ...

    def translate(self, text: str, source: str, target: str) -> str:
        """Translate with the installed ``source`` -> ``target`` package (a direct pair)."""
        ...


def installed_packages(packages_dir: Path) -> list[InstalledPackage]:
    """Translate packages under ``packages_dir`` (one folder each, as argostranslate installs them)."""
    found = []
    for folder in sorted(packages_dir.iterdir()) if packages_dir.is_dir() else []:
        try:
            metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if metadata.get("type", "translate") == "translate" and metadata.get("from_code") and metadata.get("to_code"):
            found.append(InstalledPackage(metadata["from_code"], metadata["to_code"],
                                          str(metadata.get("package_version", "")), folder))
    return found


def prepare_offline(packages_dir: Path) -> None:
    """Point argostranslate at ``packages_dir`` and seed its spaCy cache; call before importing it."""
    os.environ["ARGOS_PACKAGES_DIR"] = str(packages_dir)
    os.environ.setdefault("ARGOS_CHUNK_TYPE", "SPACY")
    os.environ.setdefault("ARGOS_DEVICE_TYPE", "cpu")
    packages_dir.mkdir(parents=True, exist_ok=True)
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".local" / "cache")
    spacy_cache = cache_home / "argos-translate" / "spacy"
    if not (spacy_cache / "config.cfg").exists():
        import spacy

        spacy_cache.mkdir(parents=True, exist_ok=True)
        spacy.blank("xx").to_disk(spacy_cache)
    # argostranslate downloads xx_sent_ud_sm unless this folder exists.
    (spacy_cache / "senter" / "model").mkdir(parents=True, exist_ok=True)


def install_packages(folder: Path, packages_dir: Path) -> list[Path]:
    """Install every ``*.argosmodel`` in ``folder`` with argostranslate's own installer (no network)."""
    prepare_offline(packages_dir)
    from argostranslate import package, settings

    _use_packages_dir(settings, packages_dir)
    installed = []
    for path in sorted(folder.glob("*.argosmodel")):
        package.install_from_path(path)
        installed.append(path)
    return installed


def _use_packages_dir(settings: Any, packages_dir: Path) -> None:
    # argostranslate reads ARGOS_PACKAGES_DIR once, at import; a later directory needs setting here.
    settings.package_data_dir = packages_dir
    settings.package_dirs = [packages_dir]


class ArgosEngine:
    """Argos Translate with the packages in ``packages_dir``; thread-safe, loads models lazily."""

    name = "argostranslate"

    def __init__(self, packages_dir: Path) -> None:
        self.packages_dir = packages_dir
        self._lock = threading.Lock()
        self._loaded: frozenset[tuple[str, str]] | None = None

    def packages(self) -> list[InstalledPackage]:
        return installed_packages(self.packages_dir)

    def translate(self, text: str, source: str, target: str) -> str:
        with self._lock:
            translation = self._translation(source, target)
            result: str = translation.translate(text)
        return result

    def _translation(self, source: str, target: str) -> Any:
        prepare_offline(self.packages_dir)
        from argostranslate import settings, translate

        pairs = frozenset((p.from_code, p.to_code) for p in self.packages())
        if pairs != self._loaded:  # first use, or packages were installed since
            _use_packages_dir(settings, self.packages_dir)
            translate.installed_translates.clear()
            translate.get_installed_languages.cache_clear()
            self._loaded = pairs
        if (source, target) not in pairs:
            raise LookupError(f"no installed package translates {source} to {target}")
        return translate.get_translation_from_codes(source, target)
