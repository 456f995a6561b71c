"""Our Rasa config against Rasa's default pipeline and policies, trained on the same data, in one run.

Run from the project root: ``PYTHONPATH=. .venv-assistant/bin/python -m bench.bench_assistant``
(about 30 minutes on 2 cores, nearly all of it the default's DIET and ResponseSelector, 100 epochs each).

Each config is trained once and the model it trains is both timed and scored:
- training: ``rasa train`` (NLU and dialogue) as a child process, wall clock, cold, on the train part of
  bench/bench_nlu_eval.py's held-out split plus data/ (rules, forms); its working directory is a fresh
  copy of what training reads (config, domain.yml, data/, nlu/, assistant/, translations/, bot/, snapshotted once
  at the start of the run), so each config gets its own empty ``.rasa/cache``;
- start-up: tools.stack.running_stack (backend, action server, ``python -m assistant run``; in-memory stores),
  from spawning the processes until Rasa's /status shows the model loaded;
- memory: VmRSS of the Rasa server process after warm-up, and its peak (VmHWM) at the end;
- NLU speed: ``POST /model/parse``, 200 sequential, then every held-out test text once from 10
  concurrent clients;
- intent macro F1, accuracy, FAQ topic accuracy: those held-out parses, scored by bench_nlu_eval.score;
- full turns: ``POST /webhooks/rest/webhook``, fixed zh/en/ja conversations (greet, a FAQ question,
  affirm, status check, out of scope, goodbye), each virtual resident a fresh sender id, with 1 and
  with 10 conversations at a time; turns/s, p50 and p95 latency.

The default config is Rasa 3.6's own (rasa/engine/recipes/config_files/default_config.yml, what an
empty ``rasa init`` config is filled with) with JiebaTokenizer in place of WhitespaceTokenizer, which
refuses ``language: zh``. Writes the "assistant" section of docs/benchmarks.md.
"""

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from bench.bench_nlu_eval import Split, make_split, score, write_training_data
from bench.load import Latencies
from bench.report import write_section
from tools.stack import Stack

ROOT = Path(__file__).resolve().parent.parent
ASSISTANT_PY = ROOT / ".venv-assistant" / "bin" / "python"
TRAINING_INPUTS = ("domain.yml", "data", "nlu", "assistant", "translations", "bot")
SPLIT_TRAIN_FOLDER = "split-train"  # in each training copy: the held-out split's train part
DEFAULT_TRAINING_WARNING_S = 20 * 60
PARSE_SEQUENTIAL = 200
CONVERSATIONS_SEQUENTIAL = 30  # 180 turns, one conversation at a time
CONVERSATIONS_CONCURRENT = 120  # 720 turns, ten conversations at a time
CONCURRENCY = 10

# (text, the intent we expect) per turn; one script per language.
CONVERSATIONS: dict[str, list[tuple[str, str]]] = {
    "zh": [("你好", "greet"), ("签证快到期了，怎么延期？", "faq"), ("是的", "affirm"),
           ("我的诉求到哪了", "check_status"), ("今天天气怎么样", "out_of_scope"), ("再见", "goodbye")],
    "en": [("hello", "greet"), ("How do I extend my visa before it expires?", "faq"), ("yes", "affirm"),
           ("where is my complaint now", "check_status"), ("what's the weather like today", "out_of_scope"),
           ("bye", "goodbye")],
    "ja": [("こんにちは", "greet"), ("ビザの延長はどうすればいいですか", "faq"), ("はい", "affirm"),
           ("私の申告はどうなっていますか", "check_status"), ("今日の天気はどう？", "out_of_scope"),
           ("さようなら", "goodbye")],
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def default_config_text() -> str:
    import rasa

    source = Path(rasa.__file__).parent / "engine" / "recipes" / "config_files" / "default_config.yml"
    config = yaml.safe_load(source.read_text(encoding="utf-8"))
    config["language"] = "zh"
    config["assistant_id"] = "hotline-default-baseline"
    config["pipeline"] = [{**c, "name": "JiebaTokenizer"} if c["name"] == "WhitespaceTokenizer" else c
                          for c in config["pipeline"]]
    header = ("# Rasa 3.6's default pipeline and policies (default_config.yml), JiebaTokenizer in place of\n"
              "# WhitespaceTokenizer (which refuses zh). Written by bench/bench_assistant.py.\n")
    return header + str(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))


@dataclass
class Result:
    name: str
    config: Path
    train_seconds: float = 0.0
    model_mb: float = 0.0
    startup_seconds: float = 0.0
    rss_mb: float = 0.0
    peak_rss_mb: float = 0.0
    parse_seq: Latencies = field(default_factory=Latencies)
    parse_conc: Latencies = field(default_factory=Latencies)
    turns_seq: Latencies = field(default_factory=Latencies)
    turns_conc: Latencies = field(default_factory=Latencies)
    path_ok: int = 0
    path_total: int = 0
    path_misses: list[str] = field(default_factory=list)
    reply_language_ok: int = 0
    nlu: dict[str, Any] = field(default_factory=dict)
    loadavg: list[str] = field(default_factory=list)
    training_notes: list[str] = field(default_factory=list)


# --- training -------------------------------------------------------------------------------------------

def project_copy(target: Path, config_text: str, source_root: Path = ROOT) -> Path:
    target.mkdir(parents=True)
    for name in TRAINING_INPUTS:
        source = source_root / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, target / name)
    (target / "config.yml").write_text(config_text, encoding="utf-8")
    return target


def changed_since(snapshot: Path) -> list[str]:
    """Training inputs that differ between the run's snapshot and the live project (it may be edited
    while the benchmark runs; the served model's custom components are imported from the live tree)."""
    changed = []
    for name in ("config.yml", *TRAINING_INPUTS):
        ours, live = snapshot / name, ROOT / name
        files = ({p.relative_to(ours) for p in ours.rglob("*") if p.is_file()} if ours.is_dir() else {Path()})
        live_files = ({p.relative_to(live) for p in live.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
                      if live.is_dir() else {Path()})
        for rel in sorted(files | live_files):
            a, b = ours / rel, live / rel
            if not (a.is_file() and b.is_file() and a.read_bytes() == b.read_bytes()):
                changed.append(str(Path(name) / rel))
    return changed


def train_model(result: Result, workdir: Path, snapshot: Path, split: Split) -> Path:
    """``rasa train`` on the split's train part plus data/, in a fresh copy of the snapshot (own, empty
    .rasa/cache); wall clock including start-up."""
    copy = project_copy(workdir / f"{result.name}-project", result.config.read_text(encoding="utf-8"), snapshot)
    write_training_data(split, copy / SPLIT_TRAIN_FOLDER)
    env = {k: v for k, v in os.environ.items() if k not in ("RASA_CACHE_DIRECTORY", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PYTHONPATH"] = str(copy)
    command = [str(ASSISTANT_PY), "-m", "rasa", "train", "--data", SPLIT_TRAIN_FOLDER, "data", "--domain",
               "domain.yml", "--config", "config.yml", "--out", "models", "--fixed-model-name", result.name]
    log_path = workdir / f"{result.name}-train.log"
    log(f"[{result.name}] rasa train on {len(split.train)} NLU examples + data/ (cold cache, cwd {copy.name}); "
        f"log {log_path}")
    started = time.perf_counter()
    with open(log_path, "wb") as out:
        process = subprocess.Popen(command, cwd=copy, env=env, stdout=out, stderr=subprocess.STDOUT)
        next_report = started + 30
        while process.poll() is None:
            time.sleep(1)
            if time.perf_counter() >= next_report:
                next_report += 30
                log(f"[{result.name}]   training... {time.perf_counter() - started:.0f} s; {_last_line(log_path)}")
    result.train_seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"rasa train failed for {result.name}; see {log_path}")
    model = copy / "models" / f"{result.name}.tar.gz"
    text = log_path.read_text(encoding="utf-8", errors="replace")
    for policy in ("TEDPolicy", "UnexpecTEDIntentPolicy"):
        if f"Skipping training of `{policy}` as no data was provided" in text:
            result.training_notes.append(f"{policy} skipped training: no stories (data/ has rules only)")
    if "ConvergenceWarning" in text:
        result.training_notes.append(f"scikit-learn ConvergenceWarning x{text.count('ConvergenceWarning')} "
                                     "(lbfgs hit max_iter)")
    result.model_mb = model.stat().st_size / 1e6
    log(f"[{result.name}] trained in {result.train_seconds:.0f} s ({result.model_mb:.1f} MB)")
    if result.train_seconds > DEFAULT_TRAINING_WARNING_S:
        log(f"[{result.name}] NOTE: training took over {DEFAULT_TRAINING_WARNING_S // 60} minutes (nothing reduced)")
    return model


def _last_line(path: Path) -> str:
    try:
        data = path.read_bytes()[-2000:].decode("utf-8", "replace")
    except OSError:
        return ""
    parts = [p.strip() for p in data.replace("\r", "\n").split("\n") if p.strip()]
    return parts[-1][:110] if parts else ""


# --- serving --------------------------------------------------------------------------------------------

def rasa_pid(model: Path) -> int | None:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (b"rasa" in args or b"assistant" in args) and b"run" in args and str(model).encode() in args:
            return int(entry.name)
    return None


def memory_mb(pid: int | None, key: str = "VmRSS") -> float:
    if pid is None:
        return float("nan")
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _post(client: Any, url: str, body: dict[str, Any], into: Latencies,
                headers: dict[str, str] | None = None) -> Any:
    started = time.perf_counter()
    try:
        response = await client.post(url, json=body, headers=headers)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            into.errors += 1
            return None
        into.seconds.append(elapsed)
        return response.json()
    except Exception:  # noqa: BLE001 - counted, the run goes on
        into.errors += 1
        return None


async def parse_load(rasa_url: str, auth: Callable[[], dict[str, str]], texts: list[str], total: int, concurrency: int,
                     label: str) -> tuple[Latencies, list[dict[str, Any] | None]]:
    """``total`` parses of ``texts`` (cycled) from ``concurrency`` clients; the parses in text order
    (None where the request failed)."""
    import httpx

    result = Latencies()
    parses: list[dict[str, Any] | None] = [None] * total
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(i)
    url = f"{rasa_url}/model/parse"

    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=concurrency + 2)) as client:
        async def worker() -> None:
            while not queue.empty():
                index = queue.get_nowait()
                parses[index] = await _post(client, url, {"text": texts[index % len(texts)]}, result, auth())
                done = len(result.seconds) + result.errors
                if done % 100 == 0:
                    log(f"  {label}: {done}/{total} parses")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.wall = time.perf_counter() - started
    return result, parses


async def conversation_load(rasa_url: str, senders: list[tuple[str, str]], concurrency: int,
                            label: str) -> Latencies:
    import httpx

    result = Latencies()
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for item in senders:
        queue.put_nowait(item)
    url = f"{rasa_url}/webhooks/rest/webhook"
    finished = 0

    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=concurrency + 2)) as client:
        async def worker() -> None:
            nonlocal finished
            while not queue.empty():
                sender, language = queue.get_nowait()
                for text, _ in CONVERSATIONS[language]:
                    reply = await _post(client, url, {"sender": sender, "message": text}, result, Stack.rest_headers())
                    if reply is not None and not reply:
                        result.empty += 1
                finished += 1
                if finished % 10 == 0 or finished == len(senders):
                    log(f"  {label}: {finished}/{len(senders)} conversations")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.wall = time.perf_counter() - started
    return result


async def check_paths(rasa_url: str, auth: Callable[[], dict[str, str]], senders: list[tuple[str, str]],
                      result: Result) -> None:
    """Did each conversation's turns get the intent we expect, and did the language slot follow?"""
    import httpx

    async with httpx.AsyncClient(timeout=60) as client:
        for sender, language in senders:
            conversation = quote(Stack.rest_conversation(sender), safe=":@")
            tracker = (await client.get(f"{rasa_url}/conversations/{conversation}/tracker", headers=auth())).json()
            intents = [(e.get("parse_data") or {}).get("intent", {}).get("name")
                       for e in tracker.get("events", []) if e.get("event") == "user"]
            for (text, expected), got in zip(CONVERSATIONS[language], intents, strict=False):
                result.path_total += 1
                if got == expected:
                    result.path_ok += 1
                elif len(result.path_misses) < 12 and f"{language} '{text}' -> {got}" not in result.path_misses:
                    result.path_misses.append(f"{language} '{text}' -> {got}")
            if (tracker.get("slots") or {}).get("language") == language:
                result.reply_language_ok += 1


def senders_for(run_id: str, name: str, phase: str, count: int) -> list[tuple[str, str]]:
    languages = list(CONVERSATIONS)
    return [(f"bench-{run_id}-{name}-{phase}-{i}-{languages[i % 3]}", languages[i % 3]) for i in range(count)]


def serve_and_measure(result: Result, model: Path, workdir: Path, split: Split, run_id: str) -> None:
    from tools.stack import running_stack

    texts = [e.text for e in split.test]
    log(f"[{result.name}] starting backend, action server and rasa run...")
    result.loadavg.append(Path("/proc/loadavg").read_text().split()[0])
    started = time.perf_counter()
    # One key here stands for many integrations: its per-key limit of the REST channel would measure
    # itself. Every other check (keys, gate, per-conversation limits) stays on.
    os.environ.setdefault("REST_KEY_PER_MINUTE", "1000000")
    os.environ.setdefault("REST_KEY_BURST", "100000")
    with running_stack(model, log_dir=workdir / f"{result.name}-logs",
                       database_url=f"sqlite:///{workdir / (result.name + '-hotline.db')}") as stack:
        result.startup_seconds = time.perf_counter() - started
        pid = rasa_pid(model)
        log(f"[{result.name}] model loaded after {result.startup_seconds:.1f} s (rasa pid {pid}); warming up...")

        async def measure() -> None:
            await parse_load(stack.rasa_url, stack.rasa_headers, texts, 30, 1, "warm-up")
            await conversation_load(stack.rasa_url, senders_for(run_id, result.name, "warm", 3), 3, "warm-up")
            result.rss_mb = memory_mb(pid)
            log(f"[{result.name}] RSS after warm-up {result.rss_mb:.0f} MB; NLU parse, sequential...")
            result.parse_seq, _ = await parse_load(stack.rasa_url, stack.rasa_headers, texts, PARSE_SEQUENTIAL, 1,
                                                   "sequential")
            log(f"[{result.name}] parse sequential {result.parse_seq.text()}; every held-out text, 10 concurrent...")
            result.parse_conc, parses = await parse_load(stack.rasa_url, stack.rasa_headers, texts, len(texts),
                                                         CONCURRENCY, "10 concurrent")
            result.nlu = score(split.test, [p or {} for p in parses])
            row = result.nlu["languages"]["all"]
            log(f"[{result.name}] held-out macro F1 {row['macro_f1']:.3f}, accuracy {row['intent_accuracy']:.1%}, "
                f"fallback {row['fallback_rate']:.1%}")
            log(f"[{result.name}] parse 10 concurrent {result.parse_conc.text()}; conversations, one at a time...")
            sequential = senders_for(run_id, result.name, "seq", CONVERSATIONS_SEQUENTIAL)
            result.turns_seq = await conversation_load(stack.rasa_url, sequential, 1, "1 at a time")
            log(f"[{result.name}] turns, 1 conversation: {result.turns_seq.text()}; 10 at a time...")
            concurrent = senders_for(run_id, result.name, "conc", CONVERSATIONS_CONCURRENT)
            result.turns_conc = await conversation_load(stack.rasa_url, concurrent, CONCURRENCY, "10 at a time")
            log(f"[{result.name}] turns, 10 conversations: {result.turns_conc.text()}")
            await check_paths(stack.rasa_url, stack.rasa_headers, sequential, result)
            result.peak_rss_mb = memory_mb(pid, "VmHWM")

        asyncio.run(measure())
        result.loadavg.append(Path("/proc/loadavg").read_text().split()[0])
    log(f"[{result.name}] stack stopped")


# --- report ---------------------------------------------------------------------------------------------

def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "-"


def table(ours: Result, base: Result) -> str:
    def nlu(result: Result, key: str, language: str = "all") -> float:
        value = result.nlu["languages"][language][key]
        return float(value) if value is not None else float("nan")

    rows: list[tuple[str, str, str, str]] = [
        ("training on the train part, cold cache (s)", f"{ours.train_seconds:.0f}", f"{base.train_seconds:.0f}",
         _ratio(ours.train_seconds, base.train_seconds)),
        ("model archive (MB)", f"{ours.model_mb:.1f}", f"{base.model_mb:.1f}", _ratio(ours.model_mb, base.model_mb)),
        ("start-up until model loaded (s)", f"{ours.startup_seconds:.1f}", f"{base.startup_seconds:.1f}",
         _ratio(ours.startup_seconds, base.startup_seconds)),
        ("rasa run RSS after warm-up (MB)", f"{ours.rss_mb:.0f}", f"{base.rss_mb:.0f}",
         _ratio(ours.rss_mb, base.rss_mb)),
        ("rasa run peak RSS (MB)", f"{ours.peak_rss_mb:.0f}", f"{base.peak_rss_mb:.0f}",
         _ratio(ours.peak_rss_mb, base.peak_rss_mb)),
    ]
    for label, attr in (("NLU parses/s, sequential", "parse_seq"), ("NLU parses/s, 10 concurrent", "parse_conc"),
                        ("turns/s, 1 conversation", "turns_seq"), ("turns/s, 10 conversations", "turns_conc")):
        a, b = getattr(ours, attr), getattr(base, attr)
        rows.append((label, f"{a.rate:.1f}", f"{b.rate:.1f}", _ratio(a.rate, b.rate)))
        rows.append(("  p50 / p95 latency (ms)", f"{a.pct(0.5):.0f} / {a.pct(0.95):.0f}",
                     f"{b.pct(0.5):.0f} / {b.pct(0.95):.0f}", _ratio(a.pct(0.5), b.pct(0.5)) + " (p50)"))
    rows += [
        ("held-out intent macro F1, all", f"{nlu(ours, 'macro_f1'):.3f}", f"{nlu(base, 'macro_f1'):.3f}",
         _ratio(nlu(ours, 'macro_f1'), nlu(base, 'macro_f1'))),
    ]
    for language in ("zh+en+ja", "zh", "en", "ja"):
        rows.append((f"  macro F1, {language}", f"{nlu(ours, 'macro_f1', language):.3f}",
                     f"{nlu(base, 'macro_f1', language):.3f}",
                     _ratio(nlu(ours, 'macro_f1', language), nlu(base, 'macro_f1', language))))
    rows += [
        ("held-out intent accuracy, all", f"{nlu(ours, 'intent_accuracy'):.1%}", f"{nlu(base, 'intent_accuracy'):.1%}",
         _ratio(nlu(ours, 'intent_accuracy'), nlu(base, 'intent_accuracy'))),
        ("held-out FAQ topic accuracy", f"{nlu(ours, 'faq_topic_accuracy'):.1%}",
         f"{nlu(base, 'faq_topic_accuracy'):.1%}",
         _ratio(nlu(ours, 'faq_topic_accuracy'), nlu(base, 'faq_topic_accuracy'))),
        ("held-out fallback rate", f"{nlu(ours, 'fallback_rate'):.1%}", f"{nlu(base, 'fallback_rate'):.1%}", ""),
        ("benchmark turns with the expected intent", f"{ours.path_ok}/{ours.path_total}",
         f"{base.path_ok}/{base.path_total}", ""),
        ("conversations whose language slot followed", f"{ours.reply_language_ok}/{CONVERSATIONS_SEQUENTIAL}",
         f"{base.reply_language_ok}/{CONVERSATIONS_SEQUENTIAL}", ""),
    ]
    lines = ["| measure | ours (config.yml) | Rasa default | ours ÷ default |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


def verdict(ours: Result, base: Result) -> str:
    speed = ours.turns_conc.rate / base.turns_conc.rate if base.turns_conc.rate else float("nan")
    rows = {key: (ours.nlu["languages"][key]["macro_f1"], base.nlu["languages"][key]["macro_f1"])
            for key in ("all", "zh+en+ja", "zh", "en", "ja")}
    speed_met = speed >= 3.0
    f1_met = all(a >= b for a, b in rows.values())
    status = "MET" if speed_met and f1_met else "NOT MET"
    f1_text = ", ".join(f"{key} {a:.3f} vs {b:.3f}" for key, (a, b) in rows.items())
    return (f"Goal (>= 3x the default's turns/s at 10 concurrent conversations, no loss in intent F1): **{status}**. "
            f"Turns/s at 10 conversations: {ours.turns_conc.rate:.1f} vs {base.turns_conc.rate:.1f} = {speed:.2f}x "
            f"({'met' if speed_met else 'not met'}). Held-out macro F1 ({f1_text}): "
            f"{'no loss in any row' if f1_met else 'lower in ' + ', '.join(k for k, (a, b) in rows.items() if a < b)}.")


def _shared_note(ours: Result, base: Result) -> str:
    shared_ours, shared_base = ours.nlu["languages"].get("shared"), base.nlu["languages"].get("shared")
    if not shared_ours or not shared_base:
        return ""
    return (f"The `all` F1 row includes nlu/shared's `bad_input` ({shared_ours['n']} test examples: ours "
            f"{shared_ours['intent_accuracy']:.0%} right through nlu.input_guard, the default "
            f"{shared_base['intent_accuracy']:.0%}); as one class of a macro average it moves `all` by about "
            f"1/{ours.nlu['languages']['all']['n_intents']} on two examples, so read the zh+en+ja rows too.")


def report(ours: Result, base: Result, split: Split, default_config: str, started: float) -> str:
    problems = []
    for result in (ours, base):
        for attr in ("parse_seq", "parse_conc", "turns_seq", "turns_conc"):
            latencies: Latencies = getattr(result, attr)
            if latencies.errors or latencies.empty:
                problems.append(f"{result.name} {attr}: {latencies.errors} HTTP errors, "
                                f"{latencies.empty} empty replies")
        if result.path_misses:
            problems.append(f"{result.name}, turns with another intent: " + "; ".join(result.path_misses))
        problems.extend(f"{result.name} training: {note}" for note in result.training_notes)
        if result.train_seconds > DEFAULT_TRAINING_WARNING_S:
            problems.append(f"{result.name} training took {result.train_seconds / 60:.0f} min (over 20 min; "
                            "nothing was reduced)")
    sizes = split.sizes()["all"]
    lines = [
        "## Our config against Rasa's default (bench/bench_assistant.py)",
        "",
        "Both configs trained on the same data: the train part of bench/bench_nlu_eval.py's held-out split of nlu/ "
        f"(seed {split.seed}, {sizes['train']} examples; the other {sizes['test']} are never trained on), data/ and "
        "domain.yml. Each config is trained once, and that one model is timed, served and scored. The default is "
        "Rasa 3.6's own `default_config.yml` (what an empty `rasa init` config is filled with) with JiebaTokenizer "
        "in place of WhitespaceTokenizer, which refuses `language: zh`; our custom components are not in it, so it "
        "never sets the `language` slot from the text and answers in Chinese unless asked (last row).",
        "",
        "<details><summary>default config used</summary>",
        "",
        "```yaml",
        default_config.strip(),
        "```",
        "</details>",
        "",
        "Method: the run works on a snapshot of the project taken at its start. Training is `rasa train` (NLU and "
        "dialogue) in a child process in a fresh copy of the snapshot (own empty `.rasa/cache`), wall clock, each "
        "config just before its serving phase. Serving uses tools/stack.running_stack (backend on SQLite, action "
        "server, `python -m assistant run` with in-memory stores; all on the same 2 cores as the load generator); "
        "start-up is "
        "from spawning the processes until /status reports the model. Memory is VmRSS of the Rasa server process "
        "after 30 parses and 3 conversations, and its VmHWM at the end. NLU: `POST /model/parse`, "
        f"{PARSE_SEQUENTIAL} sequential, then each of the {sizes['test']} held-out test texts once from "
        f"{CONCURRENCY} concurrent clients. F1, accuracy and FAQ topic accuracy score those served parses with "
        "bench/bench_nlu_eval.py's `score`: macro over intents with `faq` as one, `nlu_fallback` counted as an "
        "error. Turns: `POST /webhooks/rest/webhook`, one fixed conversation per language (greet, a FAQ question, "
        "affirm, status check, out of scope, goodbye), a fresh sender id per conversation; "
        f"{CONVERSATIONS_SEQUENTIAL} conversations one at a time, {CONVERSATIONS_CONCURRENT} with {CONCURRENCY} at a "
        "time (httpx, asyncio).",
        "",
        table(ours, base),
        "",
        verdict(ours, base),
        "",
        _shared_note(ours, base),
    ]
    if problems:
        lines += ["", "Seen during the run: " + " ".join(f"{p}." for p in problems)]
    lines += ["", f"Run {datetime.now(timezone.utc):%Y-%m-%d}, {(time.monotonic() - started) / 60:.0f} min in all, "
              f"2 cores; 1-min load average before/after serving: ours {'/'.join(ours.loadavg)}, "
              f"default {'/'.join(base.loadavg)}."]
    return "\n".join(lines)


def main() -> int:
    started = time.monotonic()
    run_id = uuid.uuid4().hex[:8]
    from bench.bench_nlu_eval import _quiet_rasa

    _quiet_rasa()
    changed: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="bench-assistant-") as tmp:
        workdir = Path(tmp)
        default_text = default_config_text()
        (workdir / "default-config.yml").write_text(default_text, encoding="utf-8")
        # One snapshot of the project for the whole run: the split and both trainings read it (its nlu/,
        # bot/, translations/ come first on sys.path).
        snapshot = project_copy(workdir / "snapshot", (ROOT / "config.yml").read_text(encoding="utf-8"))
        sys.path.insert(0, str(snapshot))
        ours = Result("ours", snapshot / "config.yml")
        base = Result("default", workdir / "default-config.yml")
        log(f"run {run_id}; work folder {workdir}")

        log("held-out split (bench/bench_nlu_eval.py)...")
        split = make_split(nlu_dir=snapshot / "nlu")
        for result in (ours, base):
            model = train_model(result, workdir, snapshot, split)
            drift = changed_since(snapshot)
            if drift:
                log(f"NOTE: the live project differs from the run's snapshot in {', '.join(drift[:8])}")
                changed.update(drift)
            serve_and_measure(result, model, workdir, split, run_id)

    print()
    print(table(ours, base))
    print()
    print(verdict(ours, base))
    for result in (ours, base):
        if result.path_misses:
            print(f"{result.name}: turns with another intent: {'; '.join(result.path_misses)}")
    print(f"\ndone in {(time.monotonic() - started) / 60:.1f} min", flush=True)
    text = report(ours, base, split, default_text, started)
    if changed:
        text += ("\n\nThe project was edited during this run (" + ", ".join(sorted(changed)[:10]) + "): training "
                 "and the F1 used the snapshot taken at the start, but `rasa run` imports custom components "
                 "and the NLG from the live tree.")
    write_section("assistant", text)
    log("wrote the assistant section of docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
