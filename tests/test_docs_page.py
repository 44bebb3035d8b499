"""The static HTML reference, opened from disk in headless Chromium: every operation shows a
Python and a cURL tab, the tabs switch, and there is no TODO, console error or network fetch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from _browser import Chromium
from _parity import parity
from _support import ROOT

PAGE = ROOT / "generated" / "docs" / "index.html"
VISIBLE = (
    "[...document.querySelectorAll('pre[data-language=\"{}\"]')].filter(e => e.offsetParent).length"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    chromium = Chromium()
    try:
        chromium.open(PAGE.as_uri())
        yield chromium
    finally:
        chromium.close()


def test_the_page_is_self_contained() -> None:
    text = PAGE.read_text()
    for reference in ("http://", "https://", "src=", "<link"):
        assert reference not in text.split("<body", 1)[0] + text.split("<script>", 1)[1]


def test_every_operation_shows_both_tabs(browser: Chromium) -> None:
    for row in parity(ROOT / "generated"):
        anchor = row["html"].split("#", 1)[1]
        languages = browser.evaluate(
            f"[...document.getElementById({anchor!r}).closest('section')"
            ".querySelectorAll('pre[data-language]')].map(e => e.dataset.language)"
        )
        assert {"python", "shell"} <= set(languages), (row["id"], languages)


def test_tabs_switch(browser: Chromium) -> None:
    assert browser.evaluate(VISIBLE.format("python")) >= 12
    assert browser.evaluate(VISIBLE.format("shell")) == 0
    browser.evaluate("document.querySelector('[data-tab=\"shell\"]').click()")
    assert browser.evaluate(VISIBLE.format("python")) == 0
    assert browser.evaluate(VISIBLE.format("shell")) >= 12
    assert browser.evaluate("document.querySelector('[data-tab=\"shell\"]').ariaSelected") == "true"
    browser.evaluate("document.querySelector('[data-tab=\"python\"]').click()")
    assert browser.evaluate(VISIBLE.format("shell")) == 0


def test_no_todo_no_console_error_no_fetch(browser: Chromium) -> None:
    assert browser.evaluate("document.body.innerText.length") > 5000
    assert not browser.evaluate("document.body.innerText.includes('TODO')")
    assert browser.errors() == []
    assert browser.requests() == [PAGE.as_uri()]


def test_a_script_error_would_be_seen(browser: Chromium) -> None:
    """The console check works: an error thrown in the page is reported."""
    browser.evaluate("setTimeout(() => { throw new Error('deliberate') }, 0)")
    browser.wait_for("Runtime.exceptionThrown")
    assert any("deliberate" in error or "Uncaught" in error for error in browser.errors())
