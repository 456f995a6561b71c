"""Suggest leaf categories for free text in Chinese, English or Japanese.

A TF-IDF index over each leaf's names, keywords, examples and description in all three
languages: Chinese and Japanese as characters and character pairs, English as stemmed words
and word pairs. (Trigrams were tried and lost: on the labelled set they favoured phrases like
"这个月" that are rare in the taxonomy but say nothing about the category.) Leaf keywords found
verbatim in the text add to the score and explain it.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from bot.lang import LANGS
from bot.taxonomy import Category, Taxonomy

_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々ー]+")
_WORD = re.compile(r"[a-z][a-z']+")
_EN_STOP = frozenset(
    "the a an and or but of to in on at for with from by is are was were be been it its this that there "
    "my our your their we you they i he she me us them have has had do does did not no so very too "
    "please can could would should will just also about into out up down over after before when while "
    "every each all any some than then here what which who how why been being am get got".split()
)
KEYWORD_BONUS = 0.12
# Confidence is a softmax over every leaf's score. With six examples a leaf instead of two, more leaves score a
# little for any text and the scores spread less: 16 keeps a clear winner's confidence where 12 had it then.
TEMPERATURE = 16.0


@dataclass(frozen=True)
class Suggestion:
    category: Category
    confidence: float
    score: float
    matched: tuple[str, ...]


def _stem(word: str) -> str:
    for suffix in ("ing", "ies", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def features(text: str) -> list[str]:
    """Characters and character pairs for CJK runs, stemmed words and word pairs for Latin text."""
    lowered = text.lower()
    grams: list[str] = []
    for run in _CJK_RUN.findall(lowered):
        grams.extend(run)
        grams.extend(run[i:i + 2] for i in range(len(run) - 1))
    words = [_stem(w) for w in _WORD.findall(lowered) if w not in _EN_STOP]
    grams.extend(words)
    grams.extend(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    return grams


@lru_cache(maxsize=8192)
def _word_start_pattern(keyword: str) -> re.Pattern[str]:
    """The keyword at a word start, compiled once: the taxonomy has over 2,000 Latin keywords, more than re's own
    cache of 512 patterns, so ``re.search`` with a fresh pattern recompiled most of them on every suggestion (a fifth
    of the backend's time under load, py-spy)."""
    return re.compile(rf"\b{re.escape(keyword)}")


def _keyword_in(keyword: str, text: str) -> bool:
    keyword = keyword.lower()
    if keyword.isascii():
        return _word_start_pattern(keyword).search(text) is not None
    return keyword in text


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


class KeywordFinder:
    """Which of many keywords a lowered text holds, in one pass over the text: the same answer as ``_keyword_in`` for
    each (Latin keywords at a word start, others anywhere), where asking keyword by keyword cost the suggester most of
    its time once leaves had 15 keywords a language (3,000+ checks a suggestion)."""

    def __init__(self, keywords: Iterable[str]) -> None:
        lowered = {k.lower() for k in keywords if k}
        self.anywhere = frozenset(k for k in lowered if not k.isascii())
        self.word_start = frozenset(k for k in lowered if k.isascii() and _is_word(k[0]))
        # Latin keywords that open with a sign ("(", "-"): rare, checked one by one
        self.other = tuple(k for k in lowered if k.isascii() and not _is_word(k[0]))
        self.anywhere_lengths = sorted({len(k) for k in self.anywhere})
        self.word_start_lengths = sorted({len(k) for k in self.word_start})

    def found(self, text: str) -> set[str]:
        """The keywords (lowered) in ``text`` (already lowered)."""
        hits: set[str] = set()
        for start in range(len(text)):
            _add_pieces(hits, text, start, self.anywhere_lengths, self.anywhere)
            if _is_word(text[start]) and (start == 0 or not _is_word(text[start - 1])):
                _add_pieces(hits, text, start, self.word_start_lengths, self.word_start)
        hits.update(k for k in self.other if _keyword_in(k, text))
        return hits


def _add_pieces(hits: set[str], text: str, start: int, lengths: list[int], keywords: frozenset[str]) -> None:
    """Add to ``hits`` the keywords of ``keywords`` that begin at ``start`` (``lengths``: their lengths, ascending)."""
    for length in lengths:
        if start + length > len(text):
            return
        piece = text[start:start + length]
        if piece in keywords:
            hits.add(piece)


class CategorySuggester:
    """Built once at start from the taxonomy; ``suggest`` is pure and thread-safe."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.leaves = taxonomy.leaves
        documents = [Counter(self._document(leaf)) for leaf in self.leaves]
        frequency: Counter[str] = Counter()
        for doc in documents:
            frequency.update(doc.keys())
        total = len(documents)
        self.idf = {term: math.log((1 + total) / (1 + df)) + 1.0 for term, df in frequency.items()}
        self.vectors = [self._weigh(doc) for doc in documents]
        # each term's leaves and its weight in each: the scoring loop reads no leaf's vector
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for index, vector in enumerate(self.vectors):
            for term, weight in vector.items():
                self.postings.setdefault(term, []).append((index, weight))
        languages = {code for leaf in self.leaves for code in leaf.keywords}
        self.finders = {code: KeywordFinder(k for leaf in self.leaves for k in leaf.keywords.get(code, ()))
                        for code in languages}
        # each leaf's keywords as written and lowered, by language
        self.keywords = {code: [tuple((k, k.lower()) for k in leaf.keywords.get(code, ())) for leaf in self.leaves]
                         for code in languages}

    @staticmethod
    def _document(leaf: Category) -> Iterable[str]:
        for lang in LANGS:
            code = lang.value
            # Names and keywords are the strongest evidence: count them three times.
            for text in (leaf.name[code], *leaf.keywords.get(code, ())):
                yield from features(text) * 3
            for text in (*leaf.examples.get(code, ()), leaf.description.get(code, "")):
                yield from features(text)

    def _weigh(self, counts: Counter[str]) -> dict[str, float]:
        weights = {t: (1 + math.log(c)) * self.idf.get(t, 0.0) for t, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items()}

    def scores(self, text: str, language: str) -> dict[str, float]:
        """Every leaf's score for ``text`` (those that share nothing with it are left out), by leaf code."""
        scores, _, _ = self._scored(text, language)
        return {self.leaves[index].code: score for index, score in scores.items()}

    def suggest(self, text: str, language: str, limit: int = 3) -> list[Suggestion]:
        """The ``limit`` best leaves for ``text``, with confidence and the words that explain each."""
        scores, hits, query = self._scored(text, language)
        if not scores:
            return []
        lowered = text.lower()
        peak = max(scores.values())
        partition = sum(math.exp(TEMPERATURE * (s - peak)) for s in scores.values())
        ranked = sorted(scores.items(), key=lambda item: -item[1])[:limit]
        return [
            Suggestion(
                category=self.leaves[index],
                confidence=math.exp(TEMPERATURE * (score - peak)) / partition,
                score=score,
                matched=tuple(hits[index]) or self._top_terms(query, index, _surface_forms(lowered)),
            )
            for index, score in ranked
        ]

    def _scored(self, text: str, language: str) -> tuple[dict[int, float], dict[int, list[str]], dict[str, float]]:
        """Scores by leaf index, the keywords found for each, and the text's weighted terms."""
        query = self._weigh(Counter(t for t in features(text) if t in self.idf))
        lowered = text.lower()
        totals = [0.0] * len(self.leaves)
        for term, weight in query.items():
            for index, leaf_weight in self.postings.get(term, ()):
                totals[index] += weight * leaf_weight
        scores = {index: total for index, total in enumerate(totals) if total}
        hits: dict[int, list[str]] = {}
        in_text = self._found(language, lowered)
        chinese_in_text: set[str] | None = None
        written = self.keywords.get(language)
        for index in list(scores):
            found = [k for k, low in written[index] if low in in_text] if in_text and written else []
            if language != "zh" and not found:  # Japanese and English texts quote Chinese terms too
                if chinese_in_text is None:
                    chinese_in_text = self._found("zh", lowered)
                chinese = self.keywords.get("zh")
                found = [k for k, low in chinese[index] if len(k) > 1 and low in chinese_in_text] \
                    if chinese_in_text and chinese else []
            hits[index] = found
            scores[index] += KEYWORD_BONUS * min(len(found), 3)
        return scores, hits, query

    def _found(self, language: str, lowered: str) -> set[str]:
        finder = self.finders.get(language)
        return finder.found(lowered) if finder is not None else set()

    def _top_terms(self, query: dict[str, float], index: int, surface: dict[str, str],
                   count: int = 3) -> tuple[str, ...]:
        """The query terms that weigh most for this leaf, as the resident wrote them."""
        vector = self.vectors[index]
        shared = sorted((query[t] * vector[t], t) for t in query if t in vector)
        return tuple(surface.get(term, term) for _, term in reversed(shared[-count:]))


def _surface_forms(lowered: str) -> dict[str, str]:
    """English stems (and stem pairs) mapped back to the words in the text: "fum" -> "fumes"."""
    words = [w for w in _WORD.findall(lowered) if w not in _EN_STOP]
    forms = {_stem(w): w for w in reversed(words)}
    forms.update({f"{_stem(a)} {_stem(b)}": f"{a} {b}" for a, b in zip(words, words[1:], strict=False)})
    return forms
