"""The static HTML reference, opened from disk in one headless Chromium: layout at desktop and
phone widths, code that scrolls instead of wrapping, search (snippets, marks in the page),
scroll-spy, tabs (mouse, keyboard, URL, storage, keeping the reader's place), anchors clear of the
sticky bar, copy buttons (announced), print and dark styles, WCAG AA contrast of every text
style, focus rings at 3:1, one h1, axe-core, and no request but the page itself. A failing test
leaves a screenshot (its path is printed with the failure)."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

from _browser import Chromium
from _docs import code_blocks
from _parity import parity
from _support import ROOT

PAGE = ROOT / "generated" / "docs" / "index.html"
URL = PAGE.as_uri()
LABELS = re.findall(
    r"^  - (\w+): (.+)$", (ROOT / "generated/docs/index.md").read_text(), flags=re.M
)
TABS = [name for name, _ in LABELS]
VISIBLE = (
    "[...document.querySelectorAll('.sample[data-language=\"{}\"]')]"
    ".filter(e => e.offsetParent).length"
)
VISIBLE_PRE = "[...document.querySelectorAll('pre')].filter(p => p.getClientRects().length).length"
BAR = "document.querySelector('.tabs').getBoundingClientRect().bottom"

# Colour arithmetic in the page (WCAG 2 relative luminance): what is under an element, composited
# through translucent layers down to the first opaque one (white paper under all).
COLOURS = """
  const parse = c => { const p = c.match(/rgba?\\(([^)]+)\\)/)[1].split(',').map(Number);
                       return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = c => 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  const blend = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3]));
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return layers.reverse().reduce((under, top) => blend(top, under), [255, 255, 255]);
  };
  const ratio = (x, y) => { const a = lum(x), b = lum(y);
                            return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
"""

# Every distinct text style on screen and its contrast with what is under it; with ``plain``,
# against white paper instead (a page printed without its backgrounds).
CONTRAST = (
    "((plain) => {"
    + COLOURS
    + """
  const seen = {}, bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.data.trim() || !el.getClientRects().length || el.closest('script,style')) continue;
    const style = getComputedStyle(el), bg = plain ? [255, 255, 255] : background(el);
    const fg = blend(parse(style.color), bg);
    const key = `${style.color} on rgb(${bg.map(Math.round)})`;
    if (key in seen) continue;
    seen[key] = ratio(fg, bg);
    const where = `${el.tagName}.${el.className} "${node.data.trim().slice(0, 30)}"`;
    if (seen[key] < 4.5) bad.push(`${key}: ${seen[key].toFixed(2)} (${where})`);
  }
  return {styles: Object.keys(seen).length, bad};
})"""
)

# The focus ring of each kind of control, focused from the keyboard's point of view: its style,
# width and contrast with what it is drawn on (the element itself for a ring drawn inside it).
FOCUS = (
    "((selectors) => {"
    + COLOURS
    + """
  return selectors.map(selector => {
    const el = [...document.querySelectorAll(selector)].find(e => e.getClientRects().length);
    if (!el) return {selector, missing: true};
    el.focus({focusVisible: true});
    const style = getComputedStyle(el);
    const under = parseFloat(style.outlineOffset) < 0 ? background(el)
                                                      : background(el.parentElement);
    const ring = blend(parse(style.outlineColor), under);
    return {selector, focused: document.activeElement === el, style: style.outlineStyle,
            width: parseFloat(style.outlineWidth), ratio: +ratio(ring, under).toFixed(2)};
  });
})"""
)
FOCUSABLE = [
    ".skip",
    "nav input",
    "nav summary",
    "nav .toc a",
    "nav a[aria-current]",
    "nav .footer a",
    "[role=tab]",
    ".copy",
    "pre[tabindex]",
    ".table[tabindex]",
    "figure.diagram .drawing",
]

DIAGRAM_FILES = ["pkce-flow.svg", "redis-lease.svg", "refresh-race.svg", "token-lifecycle.svg"]
AXE = ROOT / "templates/docs/_vendor/node_modules/axe-core/axe.min.js"

# Each diagram in the page: its size and scale, its accessible name, and every text of it checked
# against its frame (a note's or a name's box; a message's arrow, between two lifelines) and the
# drawing's bounds, and for contrast with what is under it (a note's fill, or the page).
DIAGRAMS = (
    "(() => {"
    + COLOURS
    + """
  const fits = (inner, outer, vertical) => inner.x >= outer.x - 1
    && inner.x + inner.width <= outer.x + outer.width + 1
    && (!vertical
        || (inner.y >= outer.y - 1 && inner.y + inner.height <= outer.y + outer.height + 1));
  return [...document.querySelectorAll('figure.diagram')].map(figure => {
    const svg = figure.querySelector('svg'), view = svg.viewBox.baseVal;
    figure.scrollIntoView({block: 'center'});
    const box = svg.getBoundingClientRect();
    const seen = document.elementFromPoint(box.left + Math.min(box.width, innerWidth) / 2,
                                           box.top + Math.min(box.height, innerHeight) / 2);
    const names = (svg.getAttribute('aria-labelledby') || '').split(' ')
      .map(id => document.getElementById(id)).filter(e => e && svg.contains(e))
      .map(e => e.textContent);
    const bad = [];
    let texts = 0;
    for (const text of svg.querySelectorAll('text')) {
      texts += 1;
      const group = text.parentNode, t = text.getBBox(), words = text.textContent.slice(0, 40);
      const rect = group.querySelector('rect'), line = group.querySelector('line');
      if (!fits(t, {x: 0, y: 0, width: view.width, height: view.height}, true)) {
        bad.push(`outside the drawing: ${words}`);
      }
      const frame = rect ? rect.getBBox() : line ? line.getBBox() : null;
      if (frame && !fits(t, frame, !!rect)) {
        bad.push(`${words}: ${t.x.toFixed(1)}+${t.width.toFixed(1)} in`
                 + ` ${frame.x.toFixed(1)}+${frame.width.toFixed(1)}`);
      }
      const page = background(figure);
      const under = rect ? blend(parse(getComputedStyle(rect).fill), page) : page;
      const contrast = ratio(blend(parse(getComputedStyle(text).fill), under), under);
      if (contrast < 4.5) bad.push(`contrast ${contrast.toFixed(2)}: ${words}`);
    }
    return {src: figure.querySelector('figcaption a').getAttribute('href'),
            width: box.width, scale: box.width / view.width, role: svg.getAttribute('role'),
            names, texts, bad, visible: svg.contains(seen) || seen === svg};
  });
})()"""
)

# Every line of every visible code block, measured on its own (a Range from one newline to the
# next): a line that wraps is two line boxes tall. Returns the lines counted and the wrapped ones.
WRAPPED = """(() => {
  const bad = [];
  let lines = 0;
  for (const pre of document.querySelectorAll('pre')) {
    if (!pre.offsetParent) continue;
    const height = parseFloat(getComputedStyle(pre).lineHeight);
    const nodes = [], walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) nodes.push(walker.currentNode);
    if (!nodes.length) continue;
    const range = document.createRange();
    let startNode = nodes[0], startOffset = 0, line = '';
    const flush = (node, offset) => {
      if (line.trim()) {
        range.setStart(startNode, startOffset);
        range.setEnd(node, offset);
        const tall = range.getBoundingClientRect().height;
        lines += 1;
        if (tall > height * 1.5) {
          bad.push(`${Math.round(tall)} px for ${height} px: ${line.trim().slice(0, 50)}`);
        }
      }
      line = '';
    };
    for (const node of nodes) {
      let from = 0;
      for (let i = node.data.indexOf('\\n'); i >= 0; i = node.data.indexOf('\\n', from)) {
        line += node.data.slice(from, i);
        flush(node, i);
        startNode = node; startOffset = from = i + 1;
      }
      line += node.data.slice(from);
    }
    const last = nodes[nodes.length - 1];
    flush(last, last.data.length);
  }
  return {lines, bad};
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
    for reference in ("<link", " src=", "@import", "sourceMappingURL"):
        assert reference not in text, reference
    # url() only for a fragment of the page itself (the diagrams' arrowheads).
    assert re.findall(r"url\((?!#[\w-]+\))", text) == []
    assert "url(#" in text


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
    assert layout["pres"] >= 15
    assert layout["overflow"] <= 0


def test_one_readable_column_on_a_phone(page: Chromium) -> None:
    page.resize(400, 800)
    layout = page.evaluate(
        """(() => {
      const r = e => e.getBoundingClientRect();
      const proses = [...document.querySelectorAll('.prose')].map(p => r(p).width);
      const heads = [...document.querySelectorAll('h1, h2, h3')].map(h => r(h).width);
      const section = document.getElementById('login-jwt').closest('section');
      return {width: document.documentElement.scrollWidth, body: document.body.scrollWidth,
              narrowest: Math.min(...proses), heading: Math.min(...heads),
              nav: getComputedStyle(document.querySelector('nav')).position,
              stacked: r(section.querySelector('.code')).top
                       >= r(section.querySelector('.prose')).bottom - 1};
    })()"""
    )
    assert layout["width"] <= 400 and layout["body"] <= 400, layout
    assert layout["narrowest"] >= 360 and layout["heading"] >= 320, layout
    assert layout["nav"] == "static" and layout["stacked"], layout
    # The contents fold when the width crosses 800 px (a media query's change event).
    assert page.poll("!document.querySelector('nav details').open")


@pytest.mark.parametrize("width", [390, 1440])
def test_code_never_wraps_it_scrolls(page: Chromium, width: int) -> None:
    """A long line of code stays one line (its indentation kept) and scrolls inside its block;
    the page itself never scrolls sideways."""
    page.resize(width, 900)
    scrolling = 0
    for language in TABS:
        choose(page, language)
        result = page.evaluate(WRAPPED)
        assert result["lines"] >= 40, (language, result)
        assert result["bad"] == [], (width, language, result["bad"])
        scrolling += page.evaluate(
            "[...document.querySelectorAll('pre')].filter(p => p.offsetParent"
            " && p.scrollWidth > p.clientWidth + 1).length"
        )
        assert (
            page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            <= 0
        )
    if width == 390:
        assert scrolling >= 10  # long lines there are, and they scroll instead of wrapping


def test_the_wrap_check_sees_a_wrapped_line(page: Chromium) -> None:
    """The wrap measure can fail: code set to wrap again, at phone width, is reported."""
    page.resize(390, 900)
    page.evaluate(
        "{ const s = document.createElement('style'); s.id = 'wrap';"
        "s.textContent = 'pre { white-space: pre-wrap !important }'; document.head.appendChild(s) }"
    )
    try:
        assert len(page.evaluate(WRAPPED)["bad"]) >= 5
    finally:
        page.evaluate("document.getElementById('wrap').remove()")


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
    page.evaluate("{ const s = document.getElementById('search'); s.value = ''; s.focus() }")
    page.send("Input.insertText", text="zzqqxx")
    assert (
        page.evaluate("document.getElementById('search-results').innerText")
        == "No section matches."
    )
    page.key("Escape", keycode=27)
    assert page.evaluate("document.getElementById('search-results').hidden")


def test_search_shows_where_it_matched_and_marks_it_in_the_page(page: Chromium) -> None:
    """A hyphenated term finds its section; each hit shows the words around the match, marked,
    and opening the hit marks the matches in that section's prose (and only there)."""
    page.evaluate("{ const s = document.getElementById('search'); s.value = ''; s.focus() }")
    page.send("Input.insertText", text="single-flight")
    hits = page.poll("[...document.querySelectorAll('#search-results a')].map(a => a.hash)")
    assert hits and hits[0] == "#running-tokens-across-processes", hits
    snippet = page.evaluate(
        "(a => ({text: a.querySelector('.snippet').textContent,"
        " marks: [...a.querySelectorAll('.snippet mark')].map(m => m.textContent)}))"
        "(document.querySelector('#search-results a'))"
    )
    assert "single-flight" in snippet["text"] and len(snippet["text"]) < 200, snippet
    assert snippet["marks"] == ["single-flight"], snippet
    page.key("Enter", keycode=13)
    assert page.poll("location.hash === '#running-tokens-across-processes'")
    marked = page.evaluate(
        "[...document.querySelectorAll('mark.hit')].map(m => [m.closest('section').id,"
        " m.textContent, getComputedStyle(m).backgroundColor])"
    )
    assert marked and all(m[0] == "running-tokens-across-processes" for m in marked), marked
    assert {m[1] for m in marked} == {"single-flight"} and marked[0][2] != "rgba(0, 0, 0, 0)"
    page.evaluate("document.getElementById('search').focus()")
    page.key("Escape", keycode=27)  # clearing the search clears the marks, and the text is whole
    assert page.evaluate("document.querySelectorAll('mark.hit').length") == 0
    assert "(a single-flight" in page.evaluate(
        "document.getElementById('running-tokens-across-processes').textContent"
    )


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
    for row in parity(ROOT / "generated"):
        anchor = row["html"].split("#", 1)[1]
        page.evaluate(f"location.hash = '#{anchor}'")
        bar = page.evaluate(BAR)
        heading = page.evaluate(
            f"document.getElementById('{anchor}').parentNode.querySelector('h2, h3')"
            ".getBoundingClientRect().top"
        )
        assert bar <= heading <= bar + 40, (anchor, bar, heading)


def test_switching_language_keeps_the_readers_place(page: Chromium) -> None:
    # At phone width the samples stack under the prose, so the height above the reader changes
    # with the language (at desktop width the prose column beside them is often the taller).
    page.resize(390, 844)
    page.evaluate("document.getElementById('rate-limits-and-retries').scrollIntoView()")
    probe = "document.querySelector('#rate-limits-and-retries h2').getBoundingClientRect().top"
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
    # Screen readers hear it: a polite live region says what was copied.
    status = "document.getElementById('copy-status')"
    assert page.evaluate(f"{status}.getAttribute('aria-live')") == "polite"
    assert page.poll(f"{status}.textContent") == f"Copied the {dict(LABELS)[TABS[-1]]} code."


def test_every_text_style_meets_wcag_aa_contrast(page: Chromium) -> None:
    page.evaluate(
        "const s = document.getElementById('search'); s.value = 'token';"
        "s.dispatchEvent(new Event('input'))"
    )
    styles = 0
    for language in TABS:
        choose(page, language)
        result = page.evaluate(f"{CONTRAST}(false)")
        assert result["bad"] == [], language
        styles += result["styles"]
    assert styles >= 20 * len(TABS)  # prose, tables, notes, nav, tabs and the code's colours


def test_print_hides_the_chrome(page: Chromium) -> None:
    page.emulate(media="print")
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
        page.emulate()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_print_is_black_on_white_with_or_without_backgrounds(page: Chromium, scheme: str) -> None:
    """Printed with backgrounds (what is on screen under the text) or without (white paper),
    every text style keeps AA contrast, from a light or a dark screen alike."""
    page.emulate(media="print", scheme=scheme)
    try:
        for plain in ("false", "true"):
            result = page.evaluate(f"{CONTRAST}({plain})")
            assert result["bad"] == [] and result["styles"] >= 1, (plain, result)
        assert page.evaluate(VISIBLE_PRE) >= 15
    finally:
        page.emulate()


def test_dark_mode_follows_the_system_and_stays_readable(page: Chromium) -> None:
    colours = (
        "[document.body, document.querySelector('.prose')]"
        ".map(e => getComputedStyle(e).backgroundColor)"
    )
    light = page.evaluate(colours)
    page.emulate(scheme="dark")
    try:
        dark = page.evaluate(colours)
        assert dark != light and dark[0] == "rgb(13, 17, 23)", (light, dark)
        styles = 0
        for language in TABS:
            choose(page, language)
            result = page.evaluate(f"{CONTRAST}(false)")
            assert result["bad"] == [], language
            styles += result["styles"]
        assert styles >= 20 * len(TABS)
    finally:
        page.emulate()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1440])
def test_focus_is_visible_at_3_to_1(page: Chromium, scheme: str, width: int) -> None:
    """WCAG 2.2's focus appearance: a ring at least 2 px thick and 3:1 against what it is drawn
    on, for every kind of control (the orange ring was 2.15:1 on white)."""
    page.resize(width, 900)
    page.emulate(scheme=scheme)
    try:
        page.evaluate("document.querySelector('nav details').open = true")
        rings = page.evaluate(f"{FOCUS}({json.dumps(FOCUSABLE)})")
        for ring in rings:
            assert ring.get("focused") and ring["style"] != "none", ring
            assert ring["width"] >= 2 and ring["ratio"] >= 3, ring
    finally:
        page.emulate()
        page.evaluate("document.activeElement.blur()")


def test_the_focus_check_sees_a_faint_ring(page: Chromium) -> None:
    """The ring measure can fail: the old orange ring on white is reported at 2.15:1."""
    page.evaluate(
        "{ const s = document.createElement('style'); s.id = 'orange';"
        "s.textContent = '.table:focus-visible { outline-color: #f59e0b }';"
        "document.head.appendChild(s) }"
    )
    try:
        (ring,) = page.evaluate(f"{FOCUS}(['.table[tabindex]'])")
        assert ring["ratio"] == 2.15, ring
    finally:
        page.evaluate("document.getElementById('orange').remove()")


def test_one_title_heading_and_the_rest_nested(page: Chromium) -> None:
    levels = page.evaluate(
        "[...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => +h.tagName[1])"
    )
    assert levels.count(1) == 1 and levels[0] == 1, levels
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    assert levels.count(2) >= 10 and levels.count(3) >= 6
    assert page.evaluate("document.querySelector('h1').textContent") == page.evaluate(
        "document.title"
    )


@pytest.mark.parametrize("width", [390, 1440])
def test_axe_finds_nothing_serious(page: Chromium, width: int) -> None:
    """axe-core (pinned in templates/docs/_vendor, a dev dependency: injected here, never
    shipped in the page), light and dark, every tab: no serious or critical violation.
    Scrolling code, tables and diagrams are keyboard-reachable regions with a name. axe's
    colour rule (4 s a run) runs on the first tab; the contrast tests measure every tab."""
    page.resize(width, 900)
    page.evaluate(AXE.read_text() + "\n;0")
    for scheme in ("light", "dark"):
        page.emulate(scheme=scheme)
        for language in TABS:
            choose(page, language)
            colours = "true" if language == TABS[0] else "false"
            found = page.evaluate(
                "axe.run(document, {resultTypes: ['violations'],"
                f" rules: {{'color-contrast': {{enabled: {colours}}}}}}})"
                ".then(r => r.violations.filter(v => ['serious', 'critical'].includes(v.impact))"
                ".map(v => [v.id, v.nodes.map(n => n.target.join(' '))]))",
                wait=True,
            )
            assert found == [], (width, scheme, language, found)
    page.emulate()
    scrolling = page.evaluate(
        "[...document.querySelectorAll('pre, .table, .drawing')]"
        ".filter(e => e.getClientRects().length && e.scrollWidth > e.clientWidth + 1)"
        ".map(e => [e.tabIndex, e.getAttribute('aria-label')"
        " || document.getElementById(e.getAttribute('aria-labelledby')).textContent])"
    )
    assert all(index == 0 and label for index, label in scrolling), scrolling
    if width == 390:
        assert len(scrolling) >= 10, scrolling


def test_axe_sees_an_unreachable_scrolling_block(page: Chromium) -> None:
    """The axe check can fail: a code block that scrolls but cannot be focused is serious."""
    page.resize(390, 900)
    page.evaluate(AXE.read_text() + "\n;0")
    page.evaluate("document.querySelectorAll('pre').forEach(p => p.removeAttribute('tabindex'))")
    try:
        found = page.evaluate(
            "axe.run(document, {runOnly: ['scrollable-region-focusable']})"
            ".then(r => r.violations.map(v => [v.id, v.impact]))",
            wait=True,
        )
        assert found == [["scrollable-region-focusable", "serious"]], found
    finally:
        page.evaluate("document.querySelectorAll('pre').forEach(p => p.tabIndex = 0)")


@pytest.mark.parametrize(
    ("width", "scheme", "media"),
    [
        (390, "light", ""),
        (1440, "light", ""),
        (390, "dark", ""),
        (1440, "dark", ""),
        (1440, "light", "print"),
    ],
)
def test_diagrams_are_shown_named_and_readable(
    page: Chromium, width: int, scheme: str, media: str
) -> None:
    """The four diagrams drawn at generation time: visible where the docs put them, named for
    screen readers, no text outside its box, AA contrast in light, dark and print."""
    page.resize(width, 900)
    page.emulate(media=media, scheme=scheme)
    try:
        found = page.evaluate(DIAGRAMS)
    finally:
        page.emulate()
    assert sorted(d["src"] for d in found) == DIAGRAM_FILES, found
    for diagram in found:
        assert diagram["visible"] or media, diagram
        assert diagram["role"] == "img" and len(diagram["names"]) == 2, diagram
        assert all(name.strip() for name in diagram["names"]), diagram
        assert diagram["texts"] >= 10 and diagram["bad"] == [], diagram
        assert diagram["scale"] >= 0.74, diagram  # 13 px text is at least 9.6 px on screen


def test_the_diagram_check_sees_overflowing_text(page: Chromium) -> None:
    """The overflow measure can fail: a note given more words than its box holds is reported."""
    page.evaluate(
        "{ const t = document.querySelector('figure.diagram .note tspan');"
        " window.kept = t.textContent; t.textContent += ' and a great many more words' }"
    )
    try:
        bad = [b for d in page.evaluate(DIAGRAMS) for b in d["bad"]]
        start = page.evaluate("kept.slice(0, 30)")
        assert len(bad) == 1 and bad[0].startswith(start), bad
    finally:
        page.evaluate("document.querySelector('figure.diagram .note tspan').textContent = kept")


def test_diagrams_are_files_too_with_the_numbers_of_the_sdk() -> None:
    """Each diagram is also a standalone SVG beside the page (for the README), with its own
    light and dark palette; its numbers are the SDK's defaults."""
    from rcsdk._constants import DEFAULT_REFRESH_MARGIN
    from rcsdk.redis import DEFAULT_LEASE

    files = sorted(p.name for p in PAGE.parent.glob("*.svg"))
    assert files == DIAGRAM_FILES
    for name in files:
        root = ElementTree.fromstring((PAGE.parent / name).read_text())
        spaced = "{http://www.w3.org/2000/svg}"
        assert root.tag == f"{spaced}svg" and root.get("role") == "img"
        assert (root.findtext(f"{spaced}title") or "").strip()
        style = root.findtext(f"{spaced}style") or ""
        assert "prefers-color-scheme: dark" in style and "--text" in style
        assert root.find(f"{spaced}rect[@class='paper']") is not None  # its own background
        assert f"]({name})" in (PAGE.parent / "index.md").read_text()
    lifecycle = (PAGE.parent / "token-lifecycle.svg").read_text()
    assert f"min({DEFAULT_REFRESH_MARGIN:g} s, life ÷ 2)" in lifecycle
    lease = (PAGE.parent / "redis-lease.svg").read_text()
    assert f"NX PX {DEFAULT_LEASE * 1000:g}" in lease and f"within {DEFAULT_LEASE:g} s" in lease


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
        assert any("faint" in bad for bad in page.evaluate(f"{CONTRAST}(false)")["bad"])
    finally:
        page.evaluate("document.getElementById('faint').remove()")
