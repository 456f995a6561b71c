"""The assistant's code type-checks under mypy --strict (Rasa's untyped base classes allowed)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_strict_is_clean() -> None:
    packages = [p for p in ("actions", "translations", "nlu", "policies", "channels") if (ROOT / p).is_dir()]
    packages += ["bench/bench_assistant.py", "bench/bench_nlu_eval.py", "bench/bench_wechat.py", "bench/bench_telegram.py",
                 "bench/bench_notifications_e2e.py", "tools/rasa_run.py", "tools/graph_runner.py"]  # assistant runtime
    result = subprocess.run([sys.executable, "-m", "mypy", "--python-version", "3.10", *packages],
                            cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
