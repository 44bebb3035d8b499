"""The cURL snippets: one per operation, valid bash, and working against the local platform."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import tempfile
import urllib.parse
from pathlib import Path

import pytest

from rcsdk.testing import LocalPlatform

from _loopback import Listener
from _support import ROOT, SPEC

CURL = ROOT / "generated" / "curl"


def source(local: LocalPlatform, script: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run bash in a scratch folder with the platform's RC_* variables; ``script`` sources
    snippets by name (``. login-jwt.sh``), which are read from generated/curl."""
    script = re.sub(r"^\. ([\w-]+\.sh)", rf". {CURL}/\1", script, flags=re.M)
    with tempfile.TemporaryDirectory(prefix="rcsdk-curl-") as scratch:
        return subprocess.run(
            ["bash", "-c", f"set -u\n{script}"],
            cwd=scratch,
            env={**os.environ, **local.env(), **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


def test_one_snippet_per_operation() -> None:
    assert sorted(p.name for p in CURL.glob("*")) == sorted(
        [f"{op.file_stem}.sh" for op in SPEC.operations] + ["rcsdk.bash"]
    )
    for path in CURL.glob("*.sh"):
        assert os.access(path, os.X_OK), path


@pytest.mark.parametrize("login", ["authorize", "login-jwt"])
def test_login_then_call_then_refresh_then_logout(login: str) -> None:
    with LocalPlatform() as local:
        result = source(
            local,
            f". {login}.sh > /dev/null\n"
            ". read-extension.sh > extension.json.tmp\n"
            "old=$RC_ACCESS_TOKEN\n"
            ". refresh.sh > /dev/null\n"
            '[ "$old" != "$RC_ACCESS_TOKEN" ] && echo rotated\n'
            ". logout.sh\n"
            "cat extension.json.tmp; rm extension.json.tmp\n",
        )
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[:2] == ["rotated", "session revoked"]
        assert json.loads("\n".join(lines[2:]))["extensionNumber"] == "101"
        grant = (
            "password" if login == "authorize" else "urn:ietf:params:oauth:grant-type:jwt-bearer"
        )
        assert local.grant_count(grant) == 1
        assert local.grant_count("refresh_token") == 1
        assert local.counts["POST /restapi/oauth/revoke"] == 1


@pytest.mark.parametrize(
    ("key", "secret"), [("local-app-key", "local-app-secret"), ("local-public-app", "")]
)
def test_authorization_code_with_pkce(key: str, secret: str) -> None:
    with LocalPlatform() as local:
        result = source(
            local,
            ". authorize-url.sh > /dev/null\n"
            'location=$(curl -s -o /dev/null -w "%{redirect_url}" "$RC_AUTHORIZE_URL")\n'
            'echo "$location"\n'
            "export RC_AUTH_CODE=$(python3 -c 'import sys, urllib.parse as u; "
            'print(dict(u.parse_qsl(u.urlsplit(sys.argv[1]).query))["code"])\' "$location")\n'
            ". login-auth-code.sh > /dev/null\n"
            ". read-extension.sh > /dev/null && echo called\n",
            RC_APP_KEY=key,
            RC_APP_SECRET=secret,
        )
        assert result.returncode == 0, result.stderr
        location, called = result.stdout.splitlines()
        assert called == "called"
        assert urllib.parse.urlsplit(location).path == "/callback"
        assert local.grant_count("authorization_code") == 1


def test_an_error_status_fails_the_snippet_and_prints_the_body() -> None:
    with LocalPlatform() as local:
        result = source(local, ". login-jwt.sh", RC_JWT="wrong-jwt")
    assert result.returncode == 22  # curl --fail-with-body's code, as the docs say
    body = json.loads(result.stderr[result.stderr.index("{") :])
    assert body["error"] == "invalid_grant"
    assert body["errors"][0]["errorCode"] == "OAU-140"


def test_snippets_read_spaced_and_compact_json(tmp_path: Path) -> None:
    """The token is read with a JSON parser (rcsdk.bash's rc_tokens), whatever the spacing."""
    for body in ('{"access_token":"abc","x":1}', '{\n  "access_token" : "abc",\n  "x" : 1\n}'):
        result = subprocess.run(
            [
                "bash",
                "-c",
                f'. {CURL}/rcsdk.bash && rc_tokens > /dev/null && echo "$RC_ACCESS_TOKEN"',
            ],
            env={**os.environ, "RC_RESPONSE": body},
            capture_output=True,
            text=True,
            check=True,
        )
        assert result.stdout.strip() == "abc"


@pytest.mark.parametrize("missing", ["RC_SERVER", "RC_APP_KEY", "RC_JWT"])
def test_a_missing_variable_is_named(missing: str) -> None:
    with LocalPlatform() as local:
        result = source(local, ". login-jwt.sh", **{missing: ""})
        assert local.grant_count("urn:ietf:params:oauth:grant-type:jwt-bearer") == 0
    assert result.returncode == 2
    assert result.stderr == f"rcsdk: {missing} is not set (export it first)\n"


def test_a_call_without_a_token_says_log_in_first() -> None:
    with LocalPlatform() as local:
        result = source(local, f"bash {CURL}/read-extension.sh", RC_ACCESS_TOKEN="")
        assert sum(local.counts.values()) == 0
    assert result.returncode == 2
    assert "log in first" in result.stderr


def test_a_refused_connection_ends_with_curls_code() -> None:
    with LocalPlatform() as local:
        url = local.url
    with LocalPlatform() as other:  # its variables, pointed at the closed port
        result = source(other, ". login-jwt.sh", RC_SERVER=url)
    assert result.returncode == 7
    assert "curl: (7)" in result.stderr


@pytest.mark.parametrize("show", ["", "1"])
def test_login_prints_tokens_only_when_asked(show: str) -> None:
    with LocalPlatform() as local:
        result = source(
            local,
            '. login-jwt.sh > out.json\ncat out.json\nprintf "%s\\n" "$RC_ACCESS_TOKEN"',
            RC_SHOW_TOKENS=show,
        )
    assert result.returncode == 0, result.stderr
    *printed, token = result.stdout.splitlines()
    response = json.loads("\n".join(printed))
    assert response["token_type"] == "bearer" and len(token) > 10
    assert (token in result.stdout.removesuffix(token + "\n")) == (show == "1")
    assert (response["access_token"] == token) == (show == "1")


@pytest.mark.parametrize(
    ("server", "message"),
    [
        ("http://platform.example", "plain http:// only to loopback"),
        ("http://127.0.0.1.evil.example", "plain http:// only to loopback"),
        ("https://user:pw@platform.example", "no credentials, path, query or fragment"),
        ("https://platform.example/?x=1", "no credentials, path, query or fragment"),
        ("https://platform.example#frag", "no credentials, path, query or fragment"),
        ("https://platform.example/restapi", "no credentials, path, query or fragment"),
    ],
)
@pytest.mark.parametrize("snippet", ["login-jwt", "read-extension", "logout"])
def test_a_server_that_could_leak_credentials_is_refused(
    snippet: str, server: str, message: str
) -> None:
    """Issue #15 for the snippets: nothing is sent (curl never runs) and the error names why."""
    with LocalPlatform() as local:
        result = source(
            local,
            f". {snippet}.sh",
            RC_SERVER=server,
            RC_ACCESS_TOKEN="token",
            RC_REFRESH_TOKEN="token",
        )
        assert local.connections == 0
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "curl:" not in result.stderr


def test_plain_http_to_another_host_needs_the_opt_in() -> None:
    with LocalPlatform() as local:
        # 127.0.0.1 spelled as a non-loopback name is refused, then allowed with the opt-in.
        server = local.url.replace("127.0.0.1", "localhost.localdomain")
        refused = source(local, ". login-jwt.sh", RC_SERVER=server)
        allowed = source(local, ". login-jwt.sh", RC_SERVER=server, RC_ALLOW_INSECURE_HTTP="1")
    assert refused.returncode == 2
    assert "plain http:// only to loopback" in refused.stderr
    assert "plain http://" not in allowed.stderr


def test_a_token_with_a_line_break_never_reaches_a_header() -> None:
    with LocalPlatform() as local:
        result = source(local, ". read-extension.sh", RC_ACCESS_TOKEN="abc\r\nX-Injected: 1")
        assert local.connections == 0
    assert result.returncode == 2
    assert "RC_ACCESS_TOKEN has a control character" in result.stderr


def test_curlrc_and_a_trailing_slash_change_nothing(tmp_path: Path) -> None:
    """~/.curlrc is not read (a proxy there would break every call) and a server URL with a
    trailing slash works."""
    (tmp_path / ".curlrc").write_text('proxy = "http://127.0.0.1:1"\n')
    with LocalPlatform() as local:
        result = source(
            local,
            ". login-jwt.sh > /dev/null\n. read-extension.sh",
            HOME=str(tmp_path),
            RC_SERVER=local.url + "/",
        )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["extensionNumber"]


def argv_recording_curl(folder: Path) -> Path:
    """A ``curl`` that appends its command line to ``folder/argv``, then runs the real one."""
    real = subprocess.run(["bash", "-c", "command -v curl"], capture_output=True, text=True)
    wrapper = folder / "bin" / "curl"
    wrapper.parent.mkdir()
    log = folder / "argv"
    wrapper.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" >> {log}\nexec {real.stdout.strip()} "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper.parent


def test_no_secret_is_on_curls_command_line(tmp_path: Path) -> None:
    """Secrets reach curl through a config on a pipe: its command line (ps, /proc/PID/cmdline,
    readable by every user of the machine) carries none. A curl wrapper records it."""
    bin_dir = argv_recording_curl(tmp_path)
    with LocalPlatform() as local:
        result = source(
            local,
            ". authorize.sh > /dev/null\necho $RC_ACCESS_TOKEN $RC_REFRESH_TOKEN\n"
            ". read-extension.sh > /dev/null\n. refresh.sh > /dev/null\n"
            "echo $RC_ACCESS_TOKEN $RC_REFRESH_TOKEN\n. logout.sh > /dev/null\n",
            PATH=f"{bin_dir}:{os.environ['PATH']}",
        )
        assert result.returncode == 0, result.stderr
        assert local.grant_count("password") == local.grant_count("refresh_token") == 1
        env = local.env()
    secrets = [env["RC_APP_SECRET"], env["RC_PASSWORD"], *result.stdout.split()]
    assert len(secrets) == 6 and all(secrets)
    argv = (tmp_path / "argv").read_text()
    assert argv.count("--disable") == 4  # every call went through the wrapper
    for secret in secrets:
        assert secret not in argv


@pytest.mark.parametrize(
    ("snippet", "variables", "field"),
    [
        ("login-jwt", {"RC_JWT": "{hostile}"}, "assertion"),
        (  # an optional secret: sent only when its variable is set
            "login-auth-code",
            {"RC_AUTH_CODE": "code", "RC_CODE_VERIFIER": "{hostile}"},
            "code_verifier",
        ),
    ],
)
def test_secrets_with_quotes_backslashes_and_line_breaks_arrive_intact(
    tmp_path: Path, snippet: str, variables: dict[str, str], field: str
) -> None:
    """The config curl reads the secrets from escapes what its syntax would otherwise eat, and
    curl's command line still carries none of them."""
    hostile = 'p"a\\ss w&o+r=d%ä\\n\nZq9\tx'
    bin_dir = argv_recording_curl(tmp_path)
    with Listener(body={"access_token": "a", "refresh_token": "r"}) as listener:
        result = subprocess.run(
            ["bash", "-c", f". {CURL}/{snippet}.sh > /dev/null"],
            env={
                **os.environ,
                "PATH": f"{bin_dir}:{os.environ['PATH']}",
                "RC_SERVER": listener.url,
                "RC_APP_KEY": "key",
                "RC_APP_SECRET": hostile,
                **{k: v.replace("{hostile}", hostile) for k, v in variables.items()},
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        ((_, headers, body),) = listener.requests
    form = urllib.parse.parse_qs(body.decode(), keep_blank_values=True)
    assert form[field] == [hostile]
    basic = {k.lower(): v for k, v in headers.items()}["authorization"].split()[1]
    assert base64.b64decode(basic).decode() == f"key:{hostile}"
    argv = (tmp_path / "argv").read_text()
    assert "--disable" in argv and "Zq9" not in argv and "w&o+r" not in argv


def test_sourcing_a_snippet_leaves_no_helper_function_behind() -> None:
    with LocalPlatform() as local:
        script = (
            ". login-jwt.sh > /dev/null\n. read-extension.sh > /dev/null\n"
            "RC_APP_SECRET=wrong\n"  # so the refresh fails: the platform answers 401
            ". refresh.sh > /dev/null 2>&1\n"
            'echo "status $?"; declare -F rc_curl rc_conf rc_client rc_field rc_tokens rc_fail'
            " rc_done || echo clean\n"
        )
        result = source(local, script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["status 22", "clean"]
