"""Category suggestion quality on the labelled appeals (written for this project, not seen in training)."""

from bench.suggest_eval import evaluate, load_labelled
from bot.suggest import CategorySuggester, features
from bot.taxonomy import load_taxonomy


def test_features_cover_cjk_and_english() -> None:
    assert "暖气" in features("暖气不热") and "heating" not in features("暖气不热")
    assert "light" in features("The street lights are broken") and "street light" in features("street lights")
    assert "エレ" in features("エレベーターが止まった")


def test_labelled_set_is_held_out_and_large_enough() -> None:
    taxonomy = load_taxonomy()
    appeals = load_labelled()
    for language in ("zh", "en", "ja"):
        assert sum(1 for a in appeals if a["language"] == language) >= 20
    examples = {e for leaf in taxonomy.leaves for texts in leaf.examples.values() for e in texts}
    assert all(a["text"] not in examples for a in appeals)
    assert all(taxonomy.leaf(a["service_code"]) for a in appeals)


def test_accuracy_floors_per_language() -> None:
    suggester = CategorySuggester(load_taxonomy())
    results = evaluate(lambda text, lang: [s.category.code for s in suggester.suggest(text, lang)], load_labelled())
    for result in results:
        # Floors well under the measured figures (docs/benchmarks.md), to catch regressions.
        assert result.top3 >= 0.7, result
        assert result.top1 >= 0.5, result


def test_explanations_are_words_from_the_text() -> None:
    suggester = CategorySuggester(load_taxonomy())
    best = suggester.suggest("楼上装修电钻声从早上七点响到晚上十点", "zh")[0]
    assert best.matched and all(word in "楼上装修电钻声从早上七点响到晚上十点" for word in best.matched)
    assert suggester.suggest("", "zh") == [] and suggester.suggest("@@@ ###", "en") == []


def test_english_explanations_use_the_residents_words() -> None:
    suggester = CategorySuggester(load_taxonomy())
    text = "Thick black fumes from a factory chimney every night"
    for suggestion in suggester.suggest(text, "en"):
        assert all(word in text.lower() for word in suggestion.matched), suggestion.matched
