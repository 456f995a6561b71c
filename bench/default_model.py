"""Rasa 3.6's default config trained on this project's whole training data, cached by its inputs.

The baseline of bench/bench_deployed.py: the same domain, rules, forms and NLU examples as ours, with
the pipeline and policies of Rasa's ``default_config.yml`` (bench/bench_assistant.py's
``default_config_text``: JiebaTokenizer for Chinese). Training takes about 25 minutes on 2 cores (DIET
and the ResponseSelector, 100 epochs each), so the model is kept in ``var/bench/`` under a hash of the
config and of what it trains on (domain, rules and stories, NLU examples: ``TRAINING_INPUTS``), and
trained again only when they change; our own components and config.yml are no part of it.

Run with the assistant venv: ``.venv-assistant/bin/python -m bench.default_model`` prints the path.
"""

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from bench.bench_assistant import default_config_text, project_copy
from tools.train_model import inputs_digest

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
TRAINING_INPUTS = ("domain.yml", "data/**/*.yml", "nlu/**/*.yml")


def default_model_path() -> Path:
    training = inputs_digest(patterns=TRAINING_INPUTS)
    digest = hashlib.sha256((default_config_text() + training).encode()).hexdigest()[:16]
    return CACHE / f"default-{digest}.tar.gz"


def train_default_model() -> Path:
    target = default_model_path()
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"training Rasa's default config on the whole data into {target} (about 25 minutes)...", flush=True)
    started = time.monotonic()
    with TemporaryDirectory(prefix="default-model-") as folder:
        copy = project_copy(Path(folder) / "project", default_config_text())
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
        env["PYTHONPATH"] = str(copy)
        subprocess.run([sys.executable, "-m", "rasa", "train", "--data", "nlu", "data", "--domain", "domain.yml",
                        "--config", "config.yml", "--out", str(CACHE), "--fixed-model-name", target.name[:-7]],
                       cwd=copy, env=env, check=True, stdout=subprocess.DEVNULL)
    for old in CACHE.glob("default-*.tar.gz"):
        if old != target:
            old.unlink()
    print(f"trained in {time.monotonic() - started:.0f} s", flush=True)
    return target


if __name__ == "__main__":
    print(train_default_model())
