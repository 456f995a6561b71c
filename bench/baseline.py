"""An earlier tree of this repository, beside this one, to measure against in the same run.

``baseline_tree(folder, commit)`` checks ``commit`` out as a git worktree sharing this tree's virtual
environments and trains its model; ``stack_of(tree, workdir, env)`` starts that tree's whole stack
(its own ``tools.stack.running_stack``, as ``make run`` does) on a fresh Redis and SQLite database and
yields its URLs; ``remove_tree`` takes the worktree away again.
"""

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.doubles.local_servers import redis_server

ROOT = Path(__file__).resolve().parent.parent
STACK_SCRIPT = """
import json, sys
from pathlib import Path
from tools.stack import running_stack
from tools.train_model import model_path
with running_stack(model_path(), log_dir=Path(sys.argv[1]), database_url=sys.argv[2], redis_url=sys.argv[3]) as s:
    print(json.dumps({"rasa": s.rasa_url, "backend": s.backend_url}), flush=True)
    sys.stdin.read()
"""


def log(message: str) -> None:
    print(message, flush=True)


def baseline_tree(folder: Path, commit: str) -> Path:
    """A worktree of ``commit`` sharing this tree's virtual environments, with its model trained."""
    tree = folder / "baseline"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), commit], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    for venv in (".venv-services", ".venv-assistant"):
        (tree / venv).symlink_to(ROOT / venv)
    log(f"baseline {commit}: training its model (about two minutes)")
    subprocess.run([str(ROOT / ".venv-assistant" / "bin" / "python"), "-m", "tools.train_model"], cwd=tree,
                   check=True, stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(tree)})
    return tree


def remove_tree(tree: Path) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    shutil.rmtree(tree, ignore_errors=True)


@contextmanager
def stack_of(tree: Path, workdir: Path, env: dict[str, str] | None = None) -> Iterator[dict[str, str]]:
    """That tree's whole stack on a fresh Redis and database; yields its URLs ("rasa", "backend", "redis")."""
    with redis_server() as redis_url:
        run = workdir / uuid.uuid4().hex[:8]
        run.mkdir()
        process = subprocess.Popen([str(ROOT / ".venv-services" / "bin" / "python"), "-c", STACK_SCRIPT,
                                    str(run / "logs"), f"sqlite:///{run / 'hotline.db'}", redis_url],
                                   cwd=tree, env={**os.environ, **(env or {}), "PYTHONPATH": str(tree)},
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"the stack of {tree} did not start; logs in {run / 'logs'}")
            yield {**json.loads(line), "redis": redis_url}
        finally:
            assert process.stdin is not None
            process.stdin.close()
            process.wait(timeout=120)
