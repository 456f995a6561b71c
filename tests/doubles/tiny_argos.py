"""Build tiny but real Argos Translate packages offline, for tests (no torch, no downloads).

A package is a zip of one folder: ``metadata.json``, a CTranslate2 ``model/`` (a 1+1-layer
Transformer filled with seeded random weights), a ``sentencepiece.model`` trained on a few
lines and a ``spacy/`` sentence splitter (``spacy.blank("xx")``). It installs with
``argostranslate.package.install_from_path`` and translates into meaningless but repeatable
text: tests assert behaviour (installed, loaded, pivoted, cached, flagged), never wording.

    python -m tests.doubles.tiny_argos OUT_DIR   # writes translate-en_zh/zh_en/ja_en/en_ja .argosmodel
"""

import io
import json
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

LINES = [
    "小区门口的路灯坏了一个星期，晚上很黑。", "我的签证快到期了，怎么办理延期？", "朝阳区三里屯街道有人占道经营。",
    "The street light outside my building has been broken for a week.", "How do I extend my visa?",
    "My neighbour's dog barks all night.", "Please call me back tomorrow morning.",
    "ビザの延長はどうすればいいですか。", "駐車場の騒音がひどいです。", "子供の学校の手続きを教えてください。",
]
NAMES = {"zh": "Chinese", "en": "English", "ja": "Japanese"}
DEFAULT_PAIRS = (("en", "zh"), ("zh", "en"), ("ja", "en"), ("en", "ja"))
SPECIALS = ["<blank>", "<unk>", "<s>", "</s>"]
DIM, FFN = 32, 64


def _sentencepiece() -> tuple[bytes, list[str]]:
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(LINES * 4), model_writer=model, vocab_size=150,
                                   character_coverage=1.0, hard_vocab_limit=False, model_type="unigram",
                                   minloglevel=2, num_threads=1)
    processor = spm.SentencePieceProcessor(model_proto=model.getvalue())
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    return model.getvalue(), SPECIALS + [p for p in pieces if p not in SPECIALS]


def _shape(path: str, vocab: int) -> tuple[int, ...]:
    if path.endswith(("gamma", "beta")):
        return (DIM,)
    if "embeddings" in path or "projection" in path:
        return (vocab, DIM)
    if "/ffn/" in path:
        return (FFN, DIM) if "linear_0" in path else (DIM, FFN)
    if "self_attention" in path:
        return (3 * DIM, DIM) if "linear_0" in path else (DIM, DIM)
    if "/attention/" in path:  # encoder-decoder attention: query, fused key+value, output
        return (2 * DIM, DIM) if "linear_1" in path else (DIM, DIM)
    raise ValueError(f"no shape rule for {path}")


def _fill(spec: Any, rng: np.random.Generator, vocab: int, scope: str = "") -> None:
    from ctranslate2.specs import model_spec

    for name, value in list(spec.__dict__.items()):
        if name.startswith("_"):
            continue
        path = f"{scope}/{name}"
        children = value if isinstance(value, list) else [value]
        for i, child in enumerate(children):
            if isinstance(child, model_spec.LayerSpec):
                _fill(child, rng, vocab, f"{path}_{i}" if isinstance(value, list) else path)
        if value is None:
            shape = _shape(path, vocab)
            array = (np.ones(shape) if name == "gamma" else np.zeros(shape) if name == "beta"
                     else rng.normal(0.0, 0.5, shape))
            setattr(spec, name, array.astype(np.float32))


def _model(folder: Path, vocabulary: list[str], seed: int) -> None:
    from ctranslate2.specs import transformer_spec

    spec = transformer_spec.TransformerSpec.from_config((1, 1), 2)
    _fill(spec, np.random.default_rng(seed), len(vocabulary))
    bias = np.zeros(len(vocabulary), dtype=np.float32)
    bias[SPECIALS.index("</s>")] = 3.0  # ends after a handful of tokens instead of running to the length limit
    spec.decoder.projection.bias = bias
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    folder.mkdir()
    spec.save(str(folder))


def build_package(from_code: str, to_code: str, out_dir: Path, *, seed: int = 0) -> Path:
    """Write ``translate-<from>_<to>.argosmodel`` into ``out_dir`` and return its path."""
    import spacy

    name = f"translate-{from_code}_{to_code}"
    sp_model, vocabulary = _sentencepiece()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / name
        root.mkdir()
        _model(root / "model", vocabulary, seed)
        (root / "sentencepiece.model").write_bytes(sp_model)
        spacy.blank("xx").to_disk(root / "spacy")
        metadata = {"package_version": "0.0.1", "argos_version": "1.11.0", "from_code": from_code,
                    "from_name": NAMES.get(from_code, from_code), "to_code": to_code,
                    "to_name": NAMES.get(to_code, to_code), "type": "translate", "links": []}
        (root / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
        (root / "README.md").write_text("Tiny random test model: its output is meaningless.\n", encoding="utf-8")
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / f"{name}.argosmodel"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.rglob("*")):
                archive.write(path, path.relative_to(root.parent).as_posix())
    return target


def build_packages(out_dir: Path, pairs: tuple[tuple[str, str], ...] = DEFAULT_PAIRS) -> list[Path]:
    """One package per pair (different seeds, so each pair translates differently)."""
    return [build_package(a, b, out_dir, seed=i) for i, (a, b) in enumerate(pairs)]


if __name__ == "__main__":
    for built in build_packages(Path(sys.argv[1] if len(sys.argv) > 1 else "var/tiny-argos")):
        print(built)
