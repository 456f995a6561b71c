"""The options ``python -m assistant run`` adds or refuses so that Rasa's HTTP API and CORS stay closed.

Each case is also judged by what Rasa itself would run with: the command line after the start command
is parsed by Rasa's own argument parser (``effective``), so an option Rasa understands in another
spelling counts too.
"""

import argparse
import os
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from assistant.__main__ import StartRefused, _security_arguments, main
from bot.rasa_jwt import DEV_RASA_JWT_SECRET

SECRET = "a-jwt-secret-of-32-characters-ok"
PRODUCTION = {"HOTLINE_ENV": "production"}


@pytest.fixture(scope="module")
def rasa_parser() -> argparse.ArgumentParser:
    from rasa.__main__ import create_argument_parser

    parser: argparse.ArgumentParser = create_argument_parser()
    return parser


def effective(parser: argparse.ArgumentParser, argv: list[str],
              environ: Mapping[str, str]) -> argparse.Namespace | None:
    """What ``rasa run`` would start with after the start command (None: the start is refused)."""
    try:
        extra = _security_arguments(argv, environ)
    except StartRefused:
        return None
    return parser.parse_args(["run", *argv, *extra])


def closed(options: argparse.Namespace | None) -> bool:
    """No token in URLs, no CORS wildcard, and the API only behind a real JWT secret."""
    if options is None:
        return True
    wildcard = any(origin in ("*", ".*") for origin in options.cors or [])
    weak_jwt = options.enable_api and (not options.jwt_secret or len(options.jwt_secret) < 16
                                       or options.jwt_method != "HS256")
    return options.auth_token is None and not wildcard and not weak_jwt


# ---------- refusals ----------

@pytest.mark.parametrize("argv", [
    ["--auth-token", "x"], ["--auth-token=x"], ["--enable-api", "--auth-token", SECRET],
    ["--cors", "*"], ["--cors=*"], ["--port", "5006", "--cors", "*", "--enable-api"],
])
def test_auth_token_and_cors_wildcard_are_refused(argv: list[str]) -> None:
    with pytest.raises(StartRefused, match="--auth-token travels in URLs|--cors \\* lets any web page"):
        _security_arguments(argv, {"RASA_JWT_SECRET": SECRET})


@pytest.mark.parametrize("environ", [
    PRODUCTION,  # no secret outside development
    {**PRODUCTION, "RASA_JWT_SECRET": DEV_RASA_JWT_SECRET},  # the development secret outside development
    {**PRODUCTION, "RASA_JWT_SECRET": "fifteen-chars.."},
    {"RASA_JWT_SECRET": "fifteen-chars.."},  # short even in development
    {"HOTLINE_ENV": "", "RASA_JWT_SECRET": DEV_RASA_JWT_SECRET},
])
def test_the_api_needs_a_real_jwt_secret(environ: dict[str, str]) -> None:
    with pytest.raises(StartRefused, match="RASA_JWT_SECRET must be a secret of 16\\+ characters"):
        _security_arguments(["--enable-api"], environ)


# ---------- what is added ----------

def test_jwt_options_only_with_the_api(rasa_parser: argparse.ArgumentParser) -> None:
    assert _security_arguments(["--model", "m.tar.gz"], PRODUCTION) == []  # no API: no secret needed
    assert _security_arguments(["--enable-api"], {**PRODUCTION, "RASA_JWT_SECRET": SECRET}) == [
        "--jwt-secret", SECRET, "--jwt-method", "HS256"]
    options = effective(rasa_parser, ["--enable-api", "--port", "5006"], {"RASA_JWT_SECRET": SECRET})
    assert options is not None and (options.jwt_secret, options.jwt_method) == (SECRET, "HS256")


@pytest.mark.parametrize("environ", [{}, {"HOTLINE_ENV": "development"}, {"HOTLINE_ENV": " Development "}])
def test_development_has_the_dev_secret(environ: dict[str, str]) -> None:
    assert _security_arguments(["--enable-api"], environ) == [
        "--jwt-secret", DEV_RASA_JWT_SECRET, "--jwt-method", "HS256"]


def test_a_jwt_secret_given_on_the_command_line_is_not_replaced() -> None:
    assert _security_arguments(["--enable-api", "--jwt-secret", SECRET], PRODUCTION) == ["--jwt-method", "HS256"]


def test_web_chat_origins_become_the_cors_origins(rasa_parser: argparse.ArgumentParser) -> None:
    environ = {"WEBCHAT_ORIGINS": " https://chat.example.gov.cn , https://12345.example.gov.cn,, "}
    assert _security_arguments([], environ) == ["--cors", "https://chat.example.gov.cn", "https://12345.example.gov.cn"]
    options = effective(rasa_parser, ["--enable-api"], environ)
    assert options is not None and options.cors == ["https://chat.example.gov.cn", "https://12345.example.gov.cn"]
    assert options.jwt_secret == DEV_RASA_JWT_SECRET
    assert _security_arguments(["--cors", "https://other.example"], environ) == []  # the command line wins
    assert _security_arguments([], {"WEBCHAT_ORIGINS": " , "}) == []


@pytest.mark.parametrize("argv, environ", [
    (["--enable-api"], {"RASA_JWT_SECRET": SECRET}),
    (["--enable-api"], PRODUCTION),
    (["--auth-token", "x"], {}),
    (["--cors=*"], {}),
    (["--model", "m.tar.gz", "--cors", "https://chat.example.gov.cn"], {}),
])
def test_what_rasa_runs_with_is_closed(rasa_parser: argparse.ArgumentParser, argv: list[str],
                                       environ: dict[str, str]) -> None:
    assert closed(effective(rasa_parser, argv, environ))


# ---------- other spellings Rasa understands ----------

@pytest.mark.parametrize("argv, environ", [
    pytest.param(["-t", "x"], {}, id="-t is --auth-token"),
    pytest.param(["--auth", "x"], {}, id="--auth abbreviates --auth-token"),
    pytest.param(["--enable"], PRODUCTION, id="--enable abbreviates --enable-api: the API without JWT"),
    pytest.param(["--cors", "https://chat.example.gov.cn", "*"], {}, id="a wildcard later in the --cors list"),
    pytest.param(["--cor", "*"], {}, id="--cor abbreviates --cors"),
    pytest.param(["--cors", ".*"], {}, id="sanic-cors treats .* as every origin"),
    pytest.param([], {"WEBCHAT_ORIGINS": "*"}, id="the wildcard from WEBCHAT_ORIGINS"),
    pytest.param(["--enable-api", "--jwt-secret", "x"], PRODUCTION, id="a short secret on the command line"),
])
def test_other_spellings_are_closed_too(rasa_parser: argparse.ArgumentParser, argv: list[str],
                                        environ: dict[str, str]) -> None:
    assert closed(effective(rasa_parser, argv, environ))


# ---------- the start command ----------

@pytest.fixture
def clean_start(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An environment without the security settings; Rasa's Agent is put back however the test ends."""
    from rasa.core.agent import Agent

    for name in ("RASA_JWT_SECRET", "WEBCHAT_ORIGINS", "HOTLINE_ENV", "SANIC_REQUEST_MAX_SIZE"):
        monkeypatch.delenv(name, raising=False)
    original = Agent.__dict__["handle_message"]
    try:
        yield Agent
    finally:
        Agent.handle_message = original


@pytest.mark.parametrize("argv, environ, message", [
    (["run", "--auth-token", "x"], {}, "--auth-token travels in URLs"),
    (["run", "--cors", "*"], {}, "--cors * lets any web page"),
    (["run", "--enable-api"], PRODUCTION, "RASA_JWT_SECRET must be a secret"),
])
def test_the_start_command_refuses_before_starting_rasa(clean_start: Any, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], argv: list[str],
                                                        environ: dict[str, str], message: str) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert main(argv) == 2
    assert f"refusing to start: {message}" in capsys.readouterr().err
    assert not hasattr(clean_start.handle_message, "__wrapped_by_gate__")  # returned before the gate
    assert "SANIC_REQUEST_MAX_SIZE" not in os.environ  # and before preparing Sanic
