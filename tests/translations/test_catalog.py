import random
import re

import pytest
import yaml

from translations.catalog import FAQ_PREFIX, load_catalog, placeholders

FAQ_TOPICS = {
    "visa_extension", "work_permit", "residence_registration", "lost_passport", "school_enrollment",
    "elevator_installation", "ebike_charging", "ebike_registration", "heating_season", "garbage_sorting",
    "property_certificate", "eldercare_services", "social_insurance", "medical_insurance", "housing_fund",
    "hukou_transfer", "residence_permit", "driving_license_conversion", "foreign_payments", "dog_registration",
    "business_license", "consumer_rights", "wage_arrears", "hospital_appointment", "hotline_info", "appeal_privacy",
}
CATALOG = load_catalog()


def test_every_response_in_every_language_with_the_same_placeholders() -> None:
    zh = CATALOG.responses["zh"]
    for lang in ("en", "ja"):
        assert set(CATALOG.responses[lang]) == set(zh)
    for name in zh:
        expected = {p for v in zh[name] for p in placeholders(v["text"])}
        for lang in ("en", "ja"):
            found = {p for v in CATALOG.responses[lang][name] for p in placeholders(v["text"])}
            assert found == expected, (name, lang)


def test_buttons_do_the_same_in_every_language() -> None:
    for name, variants in CATALOG.responses["zh"].items():
        if name == "utter_greet":
            continue  # offers the other two languages, which differ per language
        payloads = {tuple(b["payload"] for b in v.get("buttons", [])) for v in variants}
        for lang in ("en", "ja"):
            other = {tuple(b["payload"] for b in v.get("buttons", [])) for v in CATALOG.responses[lang][name]}
            assert other == payloads, (name, lang)


def test_japanese_texts_are_japanese() -> None:
    kana = re.compile(r"[\u3040-\u30ff]")
    sentences = {n: vs for n, vs in CATALOG.responses["ja"].items()
                 if not n.startswith(("label_", "msg_emergency_numbers_", "msg_status_"))}
    texts = [v["text"] for variants in sentences.values() for v in variants
             if len(re.sub(r"\{.*?\}|[\W\d_]", "", v["text"])) > 8]
    assert all(kana.search(t) for t in texts), [t for t in texts if not kana.search(t)]


def test_faq_covers_the_25_topics_with_authority_source_and_date() -> None:
    assert set(CATALOG.faq) == FAQ_TOPICS
    for topic, entry in CATALOG.faq.items():
        assert re.match(r"^\d{4}-\d{2}-\d{2}$", str(entry["last_reviewed"])), topic
        assert str(entry["source_url"]).startswith("https://"), topic
        for lang in ("zh", "en", "ja"):
            text = entry[lang]
            assert text["authority"] and text["answer"] and text["channel"] and text["source"], (topic, lang)
            assert 2 <= len(text["bring"]) <= 5, (topic, lang)


@pytest.mark.parametrize("lang, word", [("zh", "负责部门"), ("en", "Responsible"), ("ja", "担当")])
def test_faq_answer_rendering(lang: str, word: str) -> None:
    rendered = CATALOG.render(FAQ_PREFIX + "visa_extension", lang, {})
    assert rendered is not None
    assert CATALOG.faq["visa_extension"][lang]["answer"] in rendered["text"]
    assert str(CATALOG.faq["visa_extension"]["source_url"]) in rendered["text"]
    assert "{" not in rendered["text"]


def test_placeholders_filled_and_missing_ones_blank() -> None:
    rendered = CATALOG.render("msg_ticket_filed", "en", {"ticket_id": "202611220000001", "department": "X"},
                              random.Random(0))
    assert rendered is not None and "202611220000001" in rendered["text"] and "{" not in rendered["text"]
    assert CATALOG.render("no_such_response", "en", {}) is None
    french = CATALOG.render("msg_status_open", "fr", {})  # an unknown language falls back to Chinese
    assert french is not None and french == CATALOG.render("msg_status_open", "zh", {})


def test_domain_lists_exactly_the_utter_responses() -> None:
    with open("domain.yml", encoding="utf-8") as handle:
        domain = yaml.safe_load(handle)
    utter = {n for n in CATALOG.names() if n.startswith("utter_")}
    assert set(domain["responses"]) == utter, "run: .venv-assistant/bin/python -m tools.sync_domain_responses"
