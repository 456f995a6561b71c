"""The assistant's code type-checks under mypy --strict (Rasa's untyped base classes allowed)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_strict_is_clean() -> None:
    packages = ["assistant", "actions", "translations", "nlu", "channels", "tools/load_balancer.py"]
    packages += [f"bench/{name}.py" for name in ("bench_assistant", "bench_nlu_eval", "bench_wechat", "bench_telegram",
                                                 "bench_notifications_e2e", "bench_detect", "detect_eval",
                                                 "bench_deployed", "bench_day", "traffic", "default_model",
                                                 "repair_eval", "bench_repair_sets")]
    result = subprocess.run([sys.executable, "-m", "mypy", "--python-version", "3.10", *packages],
                            cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
