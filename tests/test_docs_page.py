"""The static HTML reference, opened from disk in one headless Chromium: layout at desktop and
phone widths, search, scroll-spy, tabs (mouse, keyboard, URL, storage, keeping the reader's
place), anchors clear of the sticky bar, copy buttons, print styles, WCAG AA contrast of every
text style, and no request but the page itself. A failing test leaves a screenshot (its path is
printed with the failure)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from _browser import Chromium
from _docs import code_blocks
from _parity import parity
from _support import ROOT

PAGE = ROOT / "generated" / "docs" / "index.html"
URL = PAGE.as_uri()
TABS = re.findall(r"^  - (\w+): ", (ROOT / "generated/docs/index.md").read_text(), flags=re.M)
VISIBLE = (
    "[...document.querySelectorAll('.sample[data-language=\"{}\"]')]"
    ".filter(e => e.offsetParent).length"
)
BAR = "document.querySelector('.tabs').getBoundingClientRect().bottom"

CONTRAST = """(() => {
  const parse = c => { const p = c.match(/rgba?\\(([^)]+)\\)/)[1].split(',').map(Number);
                       return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = c => {
                     return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const blend = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3]));
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return layers.reverse().reduce((under, top) => blend(top, under), [255, 255, 255]);
  };
  const seen = {}, bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.data.trim() || !el.getClientRects().length || el.closest('script,style')) continue;
    const style = getComputedStyle(el), bg = background(el);
    const fg = blend(parse(style.color), bg);
    const a = lum(fg), b = lum(bg), ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const key = `${style.color} on rgb(${bg.map(Math.round)})`;
    if (key in seen) continue;
    seen[key] = ratio;
    const where = `${el.tagName}.${el.className} "${node.data.trim().slice(0, 30)}"`;
    if (ratio < 4.5) bad.push(`${key}: ${ratio.toFixed(2)} (${where})`);
  }
  return {styles: Object.keys(seen).length, bad};
})()"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    chromium = Chromium()
    try:
        chromium.open(URL)
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def page(browser: Chromium, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Chromium]:
    """The page at desktop size, scrolled to the top; a screenshot is kept if the test fails."""
    browser.resize(1400, 900)
    browser.evaluate("window.scrollTo(0, 0)")
    failed = request.session.testsfailed
    yield browser
    if request.session.testsfailed > failed:
        shot = tmp_path / f"{request.node.name}.png"
        shot.write_bytes(browser.screenshot())
        print(f"screenshot of the page when {request.node.name} failed: {shot}")


def choose(page: Chromium, language: str) -> None:
    page.evaluate(f"document.querySelector('[data-tab=\"{language}\"]').click()")


def test_the_page_is_self_contained() -> None:
    text = PAGE.read_text()
    for reference in ("<link", " src=", "@import", "url(", "sourceMappingURL"):
        assert reference not in text, reference


def test_tabs_are_the_languages_of_the_docs(page: Chromium) -> None:
    assert {"python", "shell"} <= set(TABS)
    assert (
        page.evaluate("[...document.querySelectorAll('[role=tab]')].map(b => b.dataset.tab)")
        == TABS
    )


def test_every_operation_shows_every_tab(page: Chromium) -> None:
    for row in parity(ROOT / "generated"):
        anchor = row["html"].split("#", 1)[1]
        languages = page.evaluate(
            f"[...document.getElementById({anchor!r}).closest('section')"
            ".querySelectorAll('.sample[data-language]')].map(e => e.dataset.language)"
        )
        assert languages == TABS, (row["id"], languages)


def test_three_panes_at_desktop_width(page: Chromium) -> None:
    layout = page.evaluate(
        """(() => {
      const r = e => e.getBoundingClientRect();
      const section = document.getElementById('login-jwt').closest('section');
      const nav = r(document.querySelector('nav')), prose = r(section.querySelector('.prose')),
            code = r(section.querySelector('.code'));
      const pres = [...document.querySelectorAll('pre')].filter(p => p.offsetParent);
      return {nav: [nav.left, nav.right], prose: [prose.left, prose.right, prose.top],
              code: [code.left, code.right, code.top], pres: pres.length,
              scrolling: pres.filter(p => p.scrollWidth > p.clientWidth + 1).length,
              overflow: document.documentElement.scrollWidth
                        - document.documentElement.clientWidth};
    })()"""
    )
    assert layout["nav"][1] <= layout["prose"][0] + 1
    assert layout["prose"][1] <= layout["code"][0] + 1
    assert abs(layout["prose"][2] - layout["code"][2]) < 1  # side by side, same row
    assert layout["code"][1] - layout["code"][0] >= 450
    assert layout["pres"] >= 15 and layout["scrolling"] == 0
    assert layout["overflow"] <= 0


def test_one_readable_column_on_a_phone(page: Chromium) -> None:
    page.resize(400, 800)
    layout = page.evaluate(
        """(() => {
      const r = e => e.getBoundingClientRect();
      const proses = [...document.querySelectorAll('.prose')].map(p => r(p).width);
      const heads = [...document.querySelectorAll('h1, h2')].map(h => r(h).width);
      const section = document.getElementById('login-jwt').closest('section');
      return {width: document.documentElement.scrollWidth, body: document.body.scrollWidth,
              narrowest: Math.min(...proses), heading: Math.min(...heads),
              nav: getComputedStyle(document.querySelector('nav')).position,
              stacked: r(section.querySelector('.code')).top
                       >= r(section.querySelector('.prose')).bottom - 1,
              pre: Math.max(...[...document.querySelectorAll('pre')].filter(p => p.offsetParent)
                                .map(p => p.scrollWidth - p.clientWidth))};
    })()"""
    )
    assert layout["width"] <= 400 and layout["body"] <= 400, layout
    assert layout["narrowest"] >= 360 and layout["heading"] >= 320, layout
    assert layout["nav"] == "static" and layout["stacked"], layout
    # The contents fold when the width crosses 800 px (a media query's change event).
    assert page.poll("!document.querySelector('nav details').open")
    assert layout["pre"] <= 1, layout


def test_search_finds_a_section_by_a_word_in_it(page: Chromium) -> None:
    page.evaluate("document.getElementById('search').focus()")
    page.send("Input.insertText", text="jitter")
    hits = page.poll("[...document.querySelectorAll('#search-results a')].map(a => a.hash)")
    assert hits and hits[0] == "#rate-limits-and-retries", hits
    page.key("Enter", keycode=13)
    assert page.poll("location.hash === '#rate-limits-and-retries'")
    top = page.evaluate(
        "document.getElementById('rate-limits-and-retries').getBoundingClientRect().top"
    )
    assert abs(top - page.evaluate(BAR)) < 16
    page.evaluate("const s = document.getElementById('search'); s.value = ''; s.focus()")
    page.send("Input.insertText", text="zzqqxx")
    assert (
        page.evaluate("document.getElementById('search-results').innerText")
        == "No section matches."
    )
    page.key("Escape", keycode=27)
    assert page.evaluate("document.getElementById('search-results').hidden")


def test_scroll_spy_marks_the_section_and_the_url_follows(page: Chromium) -> None:
    for section in ("refresh-the-access-token", "errors", "install-the-sdk"):
        page.evaluate(f"document.getElementById('{section}').scrollIntoView()")
        current = page.poll(
            f"(a => a && a.hash === '#{section}' && a.hash)"
            "(document.querySelector('nav a[aria-current]'))"
        )
        assert current == f"#{section}"
        assert page.poll(f"location.hash === '#{section}'")


def test_anchors_are_not_under_the_sticky_bar(page: Chromium) -> None:
    bar = page.evaluate(BAR)
    for row in parity(ROOT / "generated"):
        anchor = row["html"].split("#", 1)[1]
        page.evaluate(f"location.hash = '#{anchor}'")
        heading = page.evaluate(
            f"document.getElementById('{anchor}').parentNode.querySelector('h1, h2')"
            ".getBoundingClientRect().top"
        )
        assert bar <= heading <= bar + 40, (anchor, bar, heading)


def test_switching_language_keeps_the_readers_place(page: Chromium) -> None:
    # At phone width the samples stack under the prose, so the height above the reader changes
    # with the language (at desktop width the prose column beside them is often the taller).
    page.resize(390, 844)
    page.evaluate("document.getElementById('rate-limits-and-retries').scrollIntoView()")
    probe = "document.querySelector('#rate-limits-and-retries h1').getBoundingClientRect().top"
    moved = []
    for language in [*TABS[1:], TABS[0]]:
        before, scrolled = page.evaluate(probe), page.evaluate("scrollY")
        choose(page, language)
        assert abs(page.evaluate(probe) - before) <= 1, language
        moved.append(page.evaluate("scrollY") - scrolled)
    assert any(abs(m) > 50 for m in moved), moved  # the samples above changed height


def test_language_from_the_url_and_kept_across_reloads(page: Chromium) -> None:
    other = TABS[-1]
    page.navigate(f"{URL}?language={other}")
    assert page.evaluate("document.body.dataset.language") == other
    assert page.evaluate(VISIBLE.format(other)) >= 12
    assert page.evaluate(VISIBLE.format(TABS[0])) == 0
    page.navigate(URL)  # no parameter: the stored choice
    assert page.evaluate("document.body.dataset.language") == other
    choose(page, TABS[0])
    assert page.evaluate("new URL(location.href).searchParams.get('language')") == TABS[0]
    page.navigate(URL)
    assert page.evaluate("document.body.dataset.language") == TABS[0]
    page.navigate(f"{URL}?language=klingon")  # an unknown language falls back to the stored one
    assert page.evaluate("document.body.dataset.language") == TABS[0]


def test_keyboard_moves_between_tabs(page: Chromium) -> None:
    choose(page, TABS[0])
    page.evaluate("document.querySelector('[role=tab][aria-selected=true]').focus()")
    selected = "[document.activeElement.dataset.tab, document.body.dataset.language]"
    for expected in [*TABS[1:], TABS[0]]:  # ArrowRight wraps around
        page.key("ArrowRight", keycode=39)
        assert page.evaluate(selected) == [expected, expected]
    page.key("End", keycode=35)
    assert page.evaluate(selected) == [TABS[-1], TABS[-1]]
    page.key("Home", keycode=36)
    assert page.evaluate(selected) == [TABS[0], TABS[0]]
    assert page.evaluate("[...document.querySelectorAll('[role=tab]')].map(t => t.tabIndex)") == [
        0 if i == 0 else -1 for i in range(len(TABS))
    ]


def test_copy_buttons_copy_the_sample_as_written(page: Chromium) -> None:
    markdown = (ROOT / "generated/docs/index.md").read_text()
    page.evaluate(
        "window.copied = []; Object.defineProperty(navigator, 'clipboard', {configurable: true,"
        " value: {writeText: t => { window.copied.push(t); return Promise.resolve(); }}})"
    )
    for language in TABS:
        choose(page, language)
        page.evaluate(
            "document.getElementById('login-jwt').closest('section')"
            f".querySelector('.sample[data-language=\"{language}\"] .copy').click()"
        )
    copied = page.poll(f"window.copied.length === {len(TABS)} && window.copied")
    jwt_section = markdown.split('<a id="login-jwt"></a>', 1)[1]
    for language, text in zip(TABS, copied, strict=True):
        assert text == code_blocks(jwt_section, language)[0].removesuffix("\n"), language
    assert page.poll(
        "[...document.querySelectorAll('.copy')].some(b => b.textContent === 'Copied')"
    )


def test_every_text_style_meets_wcag_aa_contrast(page: Chromium) -> None:
    page.evaluate(
        "const s = document.getElementById('search'); s.value = 'token';"
        "s.dispatchEvent(new Event('input'))"
    )
    styles = 0
    for language in TABS:
        choose(page, language)
        result = page.evaluate(CONTRAST)
        assert result["bad"] == [], language
        styles += result["styles"]
    assert styles >= 20 * len(TABS)  # prose, tables, notes, nav, tabs and the code's colours


def test_print_hides_the_chrome(page: Chromium) -> None:
    page.send("Emulation.setEmulatedMedia", media="print")
    try:
        hidden = page.evaluate(
            "['nav', '.tabs', '.copy']"
            ".map(s => getComputedStyle(document.querySelector(s)).display)"
        )
        assert hidden == ["none", "none", "none"]
        assert (
            page.evaluate("getComputedStyle(document.querySelector('section')).display") == "block"
        )
    finally:
        page.send("Emulation.setEmulatedMedia", media="")


def test_footer_links_are_rendered(page: Chromium) -> None:
    links = page.evaluate(
        "[...document.querySelectorAll('nav .footer a')].map(a => a.getAttribute('href'))"
    )
    assert "../openapi.yaml" in links and len(links) >= 3
    assert (PAGE.parent / "../openapi.yaml").resolve().is_file()


def test_no_todo_no_console_error_no_request_but_the_page(page: Chromium) -> None:
    assert page.evaluate("document.body.innerText.length") > 5000
    assert not page.evaluate("document.body.innerText.includes('TODO')")
    assert page.errors() == []
    assert {url.split("?")[0].split("#")[0] for url in page.requests()} == {URL}
    assert json.loads(page.evaluate("document.getElementById('search-data').textContent"))


def test_a_script_error_would_be_seen(page: Chromium) -> None:
    """The console check works: an error thrown in the page is reported."""
    page.evaluate("setTimeout(() => { throw new Error('deliberate') }, 0)")
    page.wait_for("Runtime.exceptionThrown")
    assert any("deliberate" in error or "Uncaught" in error for error in page.errors())


def test_the_contrast_check_sees_faint_text(page: Chromium) -> None:
    """The contrast measure can fail: a grey note on white (2.3:1) is reported."""
    page.evaluate(
        "const p = document.createElement('p'); p.id = 'faint'; p.textContent = 'faint';"
        "p.style.color = '#aaaaaa'; document.querySelector('.prose').appendChild(p)"
    )
    try:
        assert any("faint" in bad for bad in page.evaluate(CONTRAST)["bad"])
    finally:
        page.evaluate("document.getElementById('faint').remove()")
