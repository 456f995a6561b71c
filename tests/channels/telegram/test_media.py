"""Signed media links: no bot token in them, nobody can make one up."""

from channels.telegram.media import MAX_MEDIA_URL, file_id_of, media_token, media_url

KEY = b"k" * 64
FILE_ID = "AgACAgUAAxkBAAIBZ2Zx3q9lX0mJbSd4wVx3nC1-_dpPAAK0vzEbQWqIVk6V0r2jBmV4AQADAgADeQADNQQ"


def test_a_token_names_its_file_and_only_with_the_key() -> None:
    token = media_token(KEY, FILE_ID)
    assert file_id_of(KEY, token) == FILE_ID
    assert file_id_of(b"other" * 10, token) is None


def test_tampered_or_made_up_tokens_are_refused() -> None:
    token = media_token(KEY, FILE_ID)
    encoded, mac = token.split(".")
    other = media_token(KEY, "another-file").split(".")[0]
    for bad in (f"{other}.{mac}", f"{encoded}.{mac[:-2]}AA", encoded, "", ".", "%%%.###", f"{encoded}.{mac}x"):
        assert file_id_of(KEY, bad) is None, bad


def test_the_link_is_ours_short_and_carries_no_token() -> None:
    bot_token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    url = media_url("https://hotline.example/", KEY, FILE_ID)
    assert url is not None and url.startswith("https://hotline.example/webhooks/telegram/media/")
    assert bot_token not in url and bot_token.split(":")[1] not in url and "/" not in url.rsplit("/", 1)[1]
    assert media_url("https://hotline.example", KEY, "x" * 800) is None  # over the backend's 1,000 characters
    assert len(url) <= MAX_MEDIA_URL
