"""The layers hold: tools/import_contract.py finds no forbidden import in the tree, and finds each kind it should."""

from pathlib import Path

import pytest

from tools.import_contract import ROOT, check, imported_modules


def test_the_tree_keeps_the_contract() -> None:
    violations = check(ROOT)
    assert not violations, "\n".join(map(str, violations))


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("name, source, module", [
    ("bot/lang.py", "import requests\n", "requests"),
    ("bot/lang.py", "from hotline.domain import models\n", "hotline.domain"),
    ("actions/filing.py", "from rasa.core.agent import Agent\n", "rasa.core.agent"),
    ("actions/filing.py", "def f():\n    import channels.kit.payloads\n", "channels.kit.payloads"),
    ("actions/filing.py", "from nlu import language\n", "nlu"),
    ("actions/filing.py", "import hotline.app\n", "hotline.app"),
    ("channels/telegram/store.py", "from actions.filing import ActionFileTicket\n", "actions.filing"),
    ("channels/wechat/api.py", "import hotline\n", "hotline"),
    ("hotline/app.py", "import rasa_sdk\n", "rasa_sdk"),
    ("hotline/notifier/notifier.py", "from channels.telegram import TelegramInput\n", "channels.telegram"),
    ("hotline/domain/tickets.py", "from nlu.language import LanguageDetector\n", "nlu.language"),
    ("hotline/machine_translation/jobs.py", "from assistant.nlg import TranslatedNLG\n", "assistant.nlg"),
    ("translations/catalog.py", "from rasa.shared.core.domain import Domain\n", "rasa.shared.core.domain"),
    ("tools/stack.py", "from tests.doubles.local_servers import redis_server\n", "tests.doubles.local_servers"),
    ("bench/bench_x.py", "from tests.channels.telegram.test_connector import resident\n",
     "tests.channels.telegram.test_connector"),
    ("channels/kit/payloads.py", "from ...hotline import app\n", "hotline"),
])
def test_a_forbidden_import_is_found(tmp_path: Path, name: str, source: str, module: str) -> None:
    violations = check(_tree(tmp_path, {name: source}))
    assert violations and violations[0].path == name and violations[0].module.startswith(module)


@pytest.mark.parametrize("name, source", [
    ("bot/lang.py", "import re\nfrom dataclasses import dataclass\nfrom bot.text import clean\n"),
    ("actions/filing.py",
     "from rasa_sdk import Action\nfrom bot.lang import Lang\nfrom translations.catalog import x\n"),
    ("channels/telegram/store.py", "from rasa.core.channels.channel import InputChannel\nfrom channels.kit import y\n"),
    ("hotline/machine_translation/jobs.py", "from translations.detect import detect_language\nimport argostranslate\n"),
    ("bench/bench_telegram.py", "from tests.doubles.fake_telegram import FakeTelegram\nimport rasa\n"),
    ("assistant/credentials.py", "from channels.telegram.settings import telegram_enabled\n"),
    ("tests/channels/test_x.py", "import hotline.app\nimport actions\nimport rasa\n"),
])
def test_allowed_imports_pass(tmp_path: Path, name: str, source: str) -> None:
    assert check(_tree(tmp_path, {name: source})) == []


def test_relative_imports_are_resolved() -> None:
    found = [module for _, module in imported_modules("from . import store\nfrom ..kit import payloads\n",
                                                      "channels/telegram/connector.py")]
    assert "channels.telegram.store" in found and "channels.kit.payloads" in found
