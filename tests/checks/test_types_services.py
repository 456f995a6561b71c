"""The services code type-checks under mypy --strict (STYLE.md: typed functions, mypy clean)."""

import subprocess
import sys

from hotline.config import ROOT


def test_mypy_strict_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy", "bot", "hotline", "tools", "bench"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
