"""The import contract: which of our packages may import what. ``python -m tools.import_contract``.

Read statically (``ast``), so it needs neither runtime installed: every ``import`` and
``from ... import`` in a file counts, at module level or inside a function. The rules are the
layers of docs/architecture.md; ``tests/checks/test_import_contract.py`` runs them in ``make test``.
"""

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_FOLDERS = frozenset({".git", ".venv-services", ".venv-assistant", "var", "models", ".rasa", "__pycache__",
                             "node_modules"})
RASA_WORLD = ("rasa", "rasa_sdk", "sanic", "tensorflow")
ASSISTANT_RUNTIME = ("assistant", "actions", "channels", "nlu")  # what Rasa and its action server load


@dataclass(frozen=True)
class Rule:
    """Files under ``package`` (a top-level folder, or a folder path) must not import ``forbidden``.

    With ``only`` set, every import must instead be the standard library or start with one of ``only``.
    ``allowed`` names exceptions to ``forbidden`` (module prefixes).
    """

    package: str
    why: str
    forbidden: tuple[str, ...] = ()
    only: tuple[str, ...] | None = None
    allowed: tuple[str, ...] = ()

    def applies_to(self, relative: str) -> bool:
        return relative == f"{self.package}.py" or relative.startswith(f"{self.package}/")

    def breaks(self, module: str) -> bool:
        if self.only is not None:
            return not (_is_stdlib(module) or _under(module, self.only))
        return _under(module, self.forbidden) and not _under(module, self.allowed)


def _under(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == prefix or module.startswith(f"{prefix}.") for prefix in prefixes)


def _is_stdlib(module: str) -> bool:
    return module.split(".")[0] in sys.stdlib_module_names or module == "__future__"


OURS_BUT_BOT = ("actions", "assistant", "bench", "channels", "hotline", "nlu", "tests", "tools", "translations")

RULES = (
    Rule("bot", "bot/ is shared by both runtimes: the standard library only", only=("bot",)),
    Rule("translations", "translations/ is shared by both runtimes: nothing Rasa loads, no runtime's own code",
         forbidden=(*RASA_WORLD, *ASSISTANT_RUNTIME, "hotline", "tools", "bench", "tests")),
    Rule("actions", "actions reach the backend over HTTP and never load the Rasa server, channels or NLU",
         forbidden=("rasa", "channels", "nlu", "hotline", "assistant")),
    Rule("channels", "connectors never import actions, the backend or the runtime package that starts them",
         forbidden=("actions", "hotline", "assistant")),
    Rule("nlu", "NLU components never import actions, channels, the backend or the runtime package",
         forbidden=("actions", "channels", "hotline", "assistant")),
    Rule("assistant", "the runtime package never imports actions (a separate server) or the backend",
         forbidden=("actions", "hotline")),
    Rule("hotline", "the services runtime never imports anything Rasa loads",
         forbidden=(*RASA_WORLD, *ASSISTANT_RUNTIME)),
    *(Rule(package, "nothing outside tests/ imports tests/", forbidden=("tests",))
      for package in ("actions", "assistant", "bot", "channels", "hotline", "nlu", "tools", "translations")),
    Rule("bench", "benchmarks may use the test doubles (tests/doubles/), nothing else of tests/",
         forbidden=("tests",), allowed=("tests.doubles",)),
    Rule("tools", "developer tools never import the Rasa server, channels or the runtime package",
         forbidden=(*RASA_WORLD, "assistant", "channels", "nlu", "actions")),
)


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    module: str
    rule: Rule

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: imports {self.module}: {self.rule.why}"


def _package_of(relative: str) -> str:
    parts = relative[:-len(".py")].split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts[:-1])


def imported_modules(source: str, relative: str) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every import in ``source``; relative imports resolved."""
    for node in ast.walk(ast.parse(source, filename=relative)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package_of(relative).split(".")
                base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # `from channels import telegram` imports channels.telegram
                yield node.lineno, f"{module}.{alias.name}"


def python_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        if not SKIPPED_FOLDERS.intersection(path.relative_to(root).parts):
            yield path


def check(root: Path = ROOT, rules: Iterable[Rule] = RULES) -> list[Violation]:
    rules = tuple(rules)
    found: list[Violation] = []
    for path in python_files(root):
        relative = path.relative_to(root).as_posix()
        applying = [rule for rule in rules if rule.applies_to(relative)]
        if not applying:
            continue
        reported: set[tuple[int, Rule]] = set()  # one line, one rule: `from a import b` is a and a.b
        for line, module in imported_modules(path.read_text(encoding="utf-8"), relative):
            for rule in applying:
                if (line, rule) not in reported and rule.breaks(module):
                    reported.add((line, rule))
                    found.append(Violation(relative, line, module, rule))
    return found


def main() -> int:
    violations = check()
    for violation in violations:
        print(violation)
    print(f"import contract: {len(violations)} violation(s) in {sum(1 for _ in python_files(ROOT))} files")
    return 1 if violations else 0


if __name__ == "__main__":
    raise SystemExit(main())
