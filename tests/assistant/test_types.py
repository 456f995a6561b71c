"""The assistant's code type-checks under mypy --strict (Rasa's untyped base classes allowed)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_strict_is_clean() -> None:
    packages = ["assistant", "actions", "translations", "nlu", "channels"]
    packages += ["bench/bench_assistant.py", "bench/bench_nlu_eval.py", "bench/bench_wechat.py", "bench/bench_telegram.py",
                 "bench/bench_notifications_e2e.py", "bench/bench_detect.py", "bench/detect_eval.py"]  # assistant runtime
    result = subprocess.run([sys.executable, "-m", "mypy", "--python-version", "3.10", *packages],
                            cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
