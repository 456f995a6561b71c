"""Train the Rasa model only when its inputs changed: models/<hash of the inputs>.tar.gz.

Run with the assistant venv (``make model``). Prints the model's path as its last line.
Inputs: config.yml, domain.yml, the dialogue data (data/), the NLU data and custom NLU
components (nlu/), the rule policy (assistant/rules.py), and the code those components import
(translations/detect.py and its word list, bot/).
"""

import hashlib
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
INPUTS = ("config.yml", "domain.yml", "data/**/*.yml", "nlu/**/*.yml", "nlu/**/*.py", "assistant/rules.py",
          "translations/detect.py", "translations/data/*.txt", "bot/*.py")


def inputs_digest(root: Path = ROOT, patterns: tuple[str, ...] = INPUTS) -> str:
    digest = hashlib.sha256()
    files = sorted({path for pattern in patterns for path in root.glob(pattern) if path.is_file()})
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(root: Path = ROOT) -> Path:
    return root / "models" / f"hotline-{inputs_digest(root)}.tar.gz"


def train(root: Path = ROOT) -> Path:
    target = model_path(root)
    if target.exists():
        print(f"model up to date: {target.relative_to(root)}", flush=True)
        return target
    print(f"training {target.name} (inputs changed; takes about a minute on 2 cores)...", flush=True)
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--data", "nlu", "data", "--domain", "domain.yml",
         "--config", "config.yml", "--out", str(target.parent), "--fixed-model-name", target.name[:-len(".tar.gz")]],
        cwd=root, check=True,
    )
    for old in target.parent.glob("hotline-*.tar.gz"):
        if old != target:
            old.unlink()
    print(f"trained in {time.monotonic() - started:.0f} s", flush=True)
    return target


if __name__ == "__main__":
    print(train())
