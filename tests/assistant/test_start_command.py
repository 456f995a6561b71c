"""``python -m assistant``: refuses an unchecked Rasa version, reads the credentials option, prints its usage."""

import subprocess
import sys
from pathlib import Path

import pytest

from assistant.__main__ import _credentials_argument, main
from assistant.version import CHECKED_RASA_VERSION, UnsupportedRasaVersion, check_rasa_version

ROOT = Path(__file__).resolve().parents[2]


def test_the_installed_rasa_is_the_checked_one() -> None:
    import rasa

    check_rasa_version(rasa.__version__)
    assert rasa.__version__ == CHECKED_RASA_VERSION


@pytest.mark.parametrize("installed", ["3.6.20", "3.7.0", "3.6.21.post1", ""])
def test_any_other_version_is_refused_with_a_clear_message(installed: str) -> None:
    with pytest.raises(UnsupportedRasaVersion, match=rf"Rasa {installed} is installed.*checked against Rasa 3\.6\.21"):
        check_rasa_version(installed)


def test_the_command_refuses_to_start_on_another_version(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    import rasa

    import assistant.speedups

    monkeypatch.setattr(rasa, "__version__", "3.7.1")
    monkeypatch.setattr(assistant.speedups, "_APPLIED", False)
    assert main(["run", "--model", "models/none.tar.gz"]) == 3
    assert "refusing to start: Rasa 3.7.1 is installed" in capsys.readouterr().err
    assert not assistant.speedups.applied()  # nothing patched on an unchecked version


def test_without_run_it_prints_its_usage() -> None:
    result = subprocess.run([sys.executable, "-m", "assistant"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "usage: python -m assistant run" in result.stderr


@pytest.mark.parametrize("argv, base, rest", [
    (["--model", "m.tar.gz"], "credentials.yml", ["--model", "m.tar.gz"]),
    (["--credentials", "x.yml", "--port", "5006"], "x.yml", ["--port", "5006"]),
    (["--port", "5006", "--credentials=y.yml"], "y.yml", ["--port", "5006"]),
])
def test_the_credentials_option_is_the_base_file(argv: list[str], base: str, rest: list[str]) -> None:
    assert _credentials_argument(argv) == (Path(base), rest)
