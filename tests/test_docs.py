"""The reference docs: every section of the original docs, every language's tab in every section
with code, no TODO, and every language's samples run (in order, against the local platform)."""

from __future__ import annotations

import ast
import logging
import re
import subprocess
from pathlib import Path

import pytest

from generator import pages
from generator.model import Operation
from rcsdk import RCSDK, RateLimitError
from rcsdk.testing import LOCAL_CREDENTIALS, LocalPlatform

from _docs import RUNNERS, code_blocks, run_samples
from _support import ROOT, SPEC

DOCS = ROOT / "generated" / "docs" / "index.md"
TEXT = DOCS.read_text()
ORIGINAL_SECTIONS = [
    "How do I get started",
    "Install the SDK",
    "Instantiate the SDK",
    "Authentication",
    "How the successful authentication response looks",
    "How should I store authentication between sessions / runs",
    "How do I handle access or authentication exceptions while the application is running?",
]
NEW_SECTIONS = [
    "Log in with a JWT credential",
    "Authorization code flow with PKCE",
    "Refresh the access token",
    "Revoke the session",
    "Read the current user's extension",
    "Errors",
    "Running many workers",
]


def sections() -> dict[str, str]:
    """Each heading and the text under it, up to the next heading (code blocks skipped)."""
    found: dict[str, list[str]] = {}
    current: list[str] = []
    fenced = False
    for line in TEXT.split("\n---\n", 1)[1].splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and re.match(r"#{1,2} ", line):
            current = found.setdefault(line.lstrip("# ").strip(), [])
        else:
            current.append(line)
    return {title: "\n".join(lines) + "\n" for title, lines in found.items()}


SAMPLES = ROOT / "templates" / "docs" / "_samples"
# The reference's tab order; a language shows once it has a folder of samples.
ORDER = {
    "javascript": "JavaScript",
    "php": "PHP",
    "python": "Python",
    "go": "Go",
    "shell": "cURL",
}
LANGUAGES = [name for name in ORDER if (SAMPLES / name).is_dir()]


def test_front_matter_lists_the_tabs_in_the_reference_order() -> None:
    assert {"python", "shell"} <= set(LANGUAGES)
    front = TEXT.split("\n---\n", 1)[0]
    tabs = "".join(f"  - {name}: {ORDER[name]}\n" for name in LANGUAGES)
    assert f"language_tabs:\n{tabs}\n" in front


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_a_runner(language: str) -> None:
    assert language in RUNNERS, f"add {language} to RUNNERS in tests/_docs.py"


@pytest.mark.parametrize("title", ORIGINAL_SECTIONS + NEW_SECTIONS)
def test_section_exists(title: str) -> None:
    assert title in sections()


def test_every_section_with_code_has_every_tab_in_order() -> None:
    found = sections()
    with_code = [t for t, body in found.items() if "```" in body]
    assert len(with_code) >= 12
    for title in with_code:
        fences = re.findall(r"^```(\w+)$", found[title], flags=re.M)
        tabs = [fence for fence in fences if fence in LANGUAGES]
        assert tabs == LANGUAGES, f"{title}: tabs {tabs}, expected {LANGUAGES}"


def test_no_todo_anywhere() -> None:
    assert "TODO" not in TEXT


def test_every_python_block_parses() -> None:
    samples = code_blocks(TEXT, "python")
    assert len(samples) >= 12
    for sample in samples:
        ast.parse(sample)


def test_every_shell_block_is_valid_bash() -> None:
    for sample in code_blocks(TEXT, "shell"):
        result = subprocess.run(["bash", "-n"], input=sample, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr + sample


@pytest.mark.parametrize("language", LANGUAGES)
def test_samples_run_in_order(
    language: str, tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every tab of one language, pasted in order into one program, outside the repository."""
    monkeypatch.setenv("REDIS_URL", redis_url)  # "Running many workers" uses Redis
    with LocalPlatform() as local:
        result = run_samples(ROOT / "generated", tmp_path, language, local)
        refused = local.limits.refused
    assert result.returncode == 0, result.stderr[-2000:]
    # Within RingCentral's Auth limit (5 a minute per user), so a reader who pastes the whole
    # page never waits a minute for a 429.
    assert refused == 0, local.counts
    # The last sample prints what the failed login said: the status and code of a bad JWT.
    bad_jwt = next(code for code in SPEC.error_codes if code.code == "OAU-140")
    if language == "python":
        assert (
            result.stdout.strip().splitlines()[-1] == f"{bad_jwt.status} invalid_grant ('OAU-140',)"
        )
        assert (tmp_path / "_cache" / "platform.json").exists()
        assert (tmp_path / "_cache" / "platform.json").stat().st_mode & 0o077 == 0
    if language == "javascript":
        assert result.stdout.strip().splitlines()[-1] == f"{bad_jwt.status} invalid_grant OAU-140"
        assert (tmp_path / "_cache" / "platform.json").stat().st_mode & 0o077 == 0
    if language == "php":
        assert result.stdout.strip().splitlines()[-1] == f"{bad_jwt.status} invalid_grant OAU-140"
        assert (tmp_path / "_cache" / "platform.json").stat().st_mode & 0o077 == 0
    if language == "go":
        assert result.stdout.strip().splitlines()[-1] == f"{bad_jwt.status} invalid_grant OAU-140"
        assert (tmp_path / "_cache" / "platform.json").stat().st_mode & 0o077 == 0
    if language == "shell":
        assert (tmp_path / "_cache" / "tokens.sh").stat().st_mode & 0o077 == 0
        assert "rcsdk: RC_SERVER is not set" in result.stderr
        assert "exit 2\n" in result.stdout
        assert result.stdout.strip().splitlines()[-1] == "login failed: exit 22"
    # Only the placeholders' values from `serve` went in; no credential comes out.
    output = result.stdout + result.stderr
    for name in ("RC_APP_SECRET", "RC_PASSWORD", "RC_JWT"):
        assert LOCAL_CREDENTIALS[name] not in output, name


def test_no_install_line_names_a_package_index_copy() -> None:
    """PyPI's `rcsdk` is an unrelated SDK from 2015: every install line in the docs' and the
    README's code installs from a checkout instead."""
    readme = (ROOT / "README.md").read_text()
    blocks = [
        block
        for text in (TEXT, readme)
        for block in re.findall(r"^```\w*\n(.*?)^```$", text, flags=re.M | re.S)
    ]
    installs = [
        line
        for block in blocks
        for line in block.splitlines()
        if re.search(r"\b(pip|npm|composer)3? (install|require)\b", line)
    ]
    assert len(installs) >= 3
    for line in installs:
        if "composer config repositories.rcsdk path /path/to/rcsdk/" in line:
            continue  # a path repository is canonical: Composer takes rcsdk/rcsdk from the checkout
        assert not re.search(r"(install|require) +['\"]?rcsdk\b", line), line


def test_the_page_shows_raw_html_from_the_markdown_as_text() -> None:
    """Only Slate's notes, anchors and footer links pass as HTML: a script or an image that spec
    text would bring into the Markdown is shown, escaped, never run."""
    page = pages.parse(
        "---\ntitle: T\ntoc_footers:\n  - <a href='../openapi.yaml'>API</a> <img src=x>\n---\n"
        '# Head\n\n<a id="kept"></a>\n\nSays <script>alert(1)</script> inline.\n\n'
        '<script>\nalert(2)\n</script>\n\n<aside class="notice">\n\nA `note`.\n\n</aside>\n'
    )
    (section,) = page.sections
    html = "".join(p for p in section.prose if isinstance(p, str)) + "".join(page.footers)
    assert "<script>" not in html and "<img" not in html
    assert html.count("&lt;script&gt;") == 2 and "&lt;img src=x&gt;" in html
    assert section.anchors == ["kept"]
    assert '<aside class="notice">' in html and "<code>note</code>" in html
    assert "<a href='../openapi.yaml'>API</a>" in html


@pytest.mark.parametrize("references", ["", "\n[ref]: https://example.com/ref\n"])
def test_the_page_parses_each_repeated_text_once_as_markdown_it_would(references: str) -> None:
    """pages.py parses each distinct inline text once per page (every operation repeats the
    same cells): the HTML is markdown-it's own, for texts whose tokens are joined (escapes),
    images, links and raw HTML repeated across blocks and table cells, and with link
    references (parsed as markdown-it does)."""
    from markdown_it import MarkdownIt

    row = "`A` \\* b \\_ c | ![alt *x*](f.svg) | <b>x</b> [ref] & *d*\n"
    text = "\n\n".join(["Column | Image | Other\n--- | --- | ---\n" + row * 3] * 3)
    text += "\n\n" + "Says \\*not\\* *em* [ref] and <i>x</i>.\n\n" * 3 + references
    ours, plain = pages._markdown(), MarkdownIt("commonmark", {"html": True}).enable("table")
    assert ours.render(text) == plain.render(text)
    assert ours.renderInline(row) == plain.renderInline(row)


def test_a_long_rate_limit_wait_is_announced_as_the_docs_say(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """ "Rate limits and retries": a wait of more than 5 s before retrying a 429 is a WARNING
    naming the group, the request and how to fail fast."""
    now, slept = [1_000_000.0], []

    def sleep(seconds: float) -> None:  # the SDK's clock moves; the platform's (real) does not
        slept.append(seconds)
        now[0] += seconds

    credentials = LOCAL_CREDENTIALS
    with LocalPlatform(auth_rate_limit=(1, 60.0)) as local:
        platform = RCSDK(
            credentials["RC_APP_KEY"],
            credentials["RC_APP_SECRET"],
            local.url,
            sleep=sleep,
            clock=lambda: now[0],
            max_retries=1,
        ).get_platform()
        platform.login_jwt(credentials["RC_JWT"])
        with caplog.at_level(logging.INFO, logger="rcsdk"), pytest.raises(RateLimitError):
            platform.login_jwt(credentials["RC_JWT"])  # 429 twice: one retry, then raised
    # The first login used the Auth group's budget up (Remaining: 0): the second waits out its
    # window before sending, then the platform's 429 ends the one retry the caller allowed.
    assert slept and slept[0] >= 60.0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "Auth group" in w and "/restapi/oauth/token" in w and "60 s" in w and "max_retries=0" in w
        for w in warnings
    ), warnings


@pytest.mark.parametrize("op", SPEC.operations, ids=lambda op: op.id)
def test_an_operations_curl_tab_is_the_short_call_its_snippet_makes(op: Operation) -> None:
    """The guards and helpers are in rcsdk.bash: the tab shows the call, which is what the
    runnable snippet runs after sourcing them from its own folder. The section shows the
    endpoint and the example response."""
    section = TEXT.split(f'<a id="{op.anchor}"></a>', 1)[1]
    tab = code_blocks(section, "shell")[0]
    first, call = tab[tab.index(". ./rcsdk.bash ") :].split("\n", 1)
    assert first.startswith(". ./rcsdk.bash RC_SERVER ")
    snippet = (ROOT / "generated" / "curl" / f"{op.file_stem}.sh").read_text()
    assert snippet.endswith('/rcsdk.bash"' + first.removeprefix(". ./rcsdk.bash") + "\n" + call)
    own = section.split('\n<a id="', 1)[0]
    assert f"\n`{op.method} {op.path}`\n" in own
    assert "Example response" in own
    if op.response is not None:  # the example body, as JSON
        assert op.example.response_pretty in own
    assert "for rc_name" not in tab and len(tab.splitlines()) <= 12 + len(op.params)
