"""The redactor: secrets are blanked in every form a server may echo them, short ones too, by
name wherever they appear, and the set it keeps stays small however many rotations it sees."""

from __future__ import annotations

import json
import logging
import urllib.parse
from typing import Any

import pytest

from rcsdk import Event, _redact
from rcsdk._constants import TOKEN_GENERATIONS
from rcsdk._redact import REDACTED, Redactor

from _support import CREDS, PlatformFactory

PASSWORD = 'pa"ss&wo+rd ä/1'


@pytest.mark.parametrize(
    "echo",
    [
        PASSWORD,
        urllib.parse.quote(PASSWORD, safe=""),
        urllib.parse.quote_plus(PASSWORD),
        urllib.parse.quote_plus(PASSWORD).lower(),
        json.dumps(PASSWORD)[1:-1],
        json.dumps(PASSWORD, ensure_ascii=False)[1:-1],
    ],
    ids=["raw", "url-encoded", "form-encoded", "lower-hex", "json-ascii", "json-utf8"],
)
def test_a_secret_is_blanked_in_every_encoding_a_server_may_echo(echo: str) -> None:
    redactor = Redactor()
    redactor.add(PASSWORD)
    text = redactor.text(f"login failed for password {echo} (try again)")
    assert text == f"login failed for password {REDACTED} (try again)"


@pytest.mark.parametrize("secret", ["x", "ab", "a1c", "p4ss"])
def test_short_secrets_are_blanked_where_they_stand_alone(secret: str) -> None:
    redactor = Redactor()
    redactor.add(secret)
    assert redactor.text(f"password '{secret}' rejected") == f"password '{REDACTED}' rejected"
    assert redactor.text(f"code={secret}&page=1") == f"code={REDACTED}&page=1"
    # ... but not inside ordinary words.
    word = f"zz{secret}zz"
    assert redactor.text(f"see {word}") == f"see {word}"


def test_the_redactor_keeps_only_the_last_rotations() -> None:
    redactor = Redactor()
    redactor.add("app-secret-value")
    for n in range(2000):
        redactor.add_tokens(f"access-{n:05}", f"refresh-{n:05}")
    kept = redactor.secrets()
    assert "app-secret-value" in kept  # credentials stay
    assert len(kept) <= 1 + 2 * (TOKEN_GENERATIONS + 1)
    assert {"access-01999", "refresh-01999", "access-01996"} <= kept  # live and recent ones
    assert "access-00000" not in kept
    assert redactor.text("old access-01999 new") == f"old {REDACTED} new"


def test_the_same_rotation_added_again_does_not_push_older_ones_out() -> None:
    redactor = Redactor()
    redactor.add_tokens("access-1111", "refresh-1111")
    for _ in range(50):
        redactor.add_tokens("access-2222", "refresh-2222")
    assert {"access-1111", "access-2222"} <= redactor.secrets()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /x?token=abc123&b=1", f"GET /x?token={REDACTED}&b=1"),
        ("client_secret=s3cr3t&jwt=eyJx.y.z", f"client_secret={REDACTED}&jwt={REDACTED}"),
        ("ACCESS_TOKEN=abc def", f"ACCESS_TOKEN={REDACTED} def"),
        ('{"password": "p\\"w", "user": "u"}', f'{{"password": "{REDACTED}", "user": "u"}}'),
        ("Authorization: Bearer U0xDMTFQMDFQQVMwMHxBQUFf", f"Authorization: Bearer {REDACTED}"),
        ("header Basic YXBwOnNlY3JldA==", f"header Basic {REDACTED}"),
        ("Basic authentication failed", "Basic authentication failed"),
        ("error_code=OAU-140", "error_code=OAU-140"),
    ],
)
def test_named_secrets_are_blanked_whatever_their_value(text: str, expected: str) -> None:
    assert Redactor().text(text) == expected


def test_urls_lose_credentials_and_secret_query_values() -> None:
    url = "https://user:pw@platform.example/restapi?token=abc&client_secret=s&page=2"
    assert _redact.url(url) == (
        f"https://{REDACTED}@platform.example/restapi?token={REDACTED}"
        f"&client_secret={REDACTED}&page=2"
    )


def test_values_are_blanked_by_key_and_by_known_secret_at_any_depth() -> None:
    redactor = Redactor()
    redactor.add("hunter22")
    body = {
        "message": "password hunter22 is wrong",
        "errors": [{"client_secret": "x", "detail": ["hunter22"]}],
        "count": 3,
    }
    assert redactor.value(body) == {
        "message": f"password {REDACTED} is wrong",
        "errors": [{"client_secret": REDACTED, "detail": [REDACTED]}],
        "count": 3,
    }


def test_headers_keep_the_scheme_and_can_mask_with_a_placeholder() -> None:
    items = [("Authorization", "Bearer tok123"), ("Cookie", "a=b"), ("Accept", "x")]
    assert _redact.headers(items) == {
        "Authorization": f"Bearer {REDACTED}",
        "Cookie": REDACTED,
        "Accept": "x",
    }
    masked = _redact.headers(items, mask=lambda scheme, secret: f"<{scheme or '-'}:{secret}>")
    assert masked["Authorization"] == "Bearer <Bearer:tok123>"


def test_a_listener_that_raises_logs_its_traceback_without_secrets(
    make_platform: PlatformFactory, caplog: pytest.LogCaptureFixture
) -> None:
    platform = make_platform()

    def listener(token: Any) -> None:
        raise ValueError(f"could not archive {token.access_token}")

    platform.on(Event.LOGIN_SUCCESS, listener)
    with caplog.at_level(logging.DEBUG, logger="rcsdk"):
        platform.login_jwt(CREDS["RC_JWT"])  # the listener's failure breaks no call
    access = platform.get_auth_data()["token"]["access_token"]
    assert "handler raised" in caplog.text and "ValueError: could not archive" in caplog.text
    assert "test_redact.py" in caplog.text  # the traceback is there, to find the listener
    assert access not in caplog.text


def test_an_id_token_the_platform_did_not_issue_here_is_blanked_too(
    make_platform: PlatformFactory,
) -> None:
    # Tokens restored with set_auth_data (or read from a store) reach the redactor through the
    # ledger, the id_token with them, as JavaScript's and PHP's ledgers hand it over (Go's too,
    # tests/go: TestAnIDTokenFromAuthDataIsBlanked). Python and Go left it out.
    source = make_platform()
    source.login_jwt(CREDS["RC_JWT"])
    data = dict(source.get_auth_data())
    id_token = "eyJhbGciOiJub25lIn0.ID-TOKEN-FROM-AUTH-DATA.sig"
    data["token"] = {**data["token"], "id_token": id_token}
    platform = make_platform()
    platform.set_auth_data(data)
    shown = platform._redactor.text(f"echoed: {id_token}")
    assert id_token not in shown and REDACTED in shown
