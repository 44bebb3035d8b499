"""The Markdown -> HTML stage of the docs: the rendered Markdown reference, read back into
sections for the one-page HTML reference (templates/docs/index.html.j2).

The Markdown is parsed by markdown-it-py (CommonMark, plus tables, raw HTML for Slate's
``<aside>`` notes and ``<a id>`` anchors), not by a parser of our own; code is highlighted by
Pygments when the page is generated, so the page needs no script for it. Both are pinned dev
dependencies, which keeps the output byte for byte the same on every machine.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from html import escape
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore, inline, text_join
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from generator import names

# The code panes' colours: Pygments' "lightbulb" keeps every token at WCAG AA (>= 4.5:1) on its
# own background (the browser test measures it).
STYLE = "lightbulb"
# Lexer names and options for the fences' info strings that Pygments spells differently.
LEXERS: dict[str, tuple[str, dict[str, Any]]] = {
    "shell": ("bash", {}),
    "php": ("php", {"startinline": True}),
}
FIGURE = re.compile(r"[\w-]+\.svg")
ANCHOR = re.compile(r'<a id="([\w-]+)"></a>\s*')
# The only raw HTML the docs write: Slate's notes, anchors, and links in the footers. Any other
# tag (from spec text, say) is shown as text, so the spec cannot put a script in the page.
ALLOWED_HTML = re.compile(
    r"""\s*(<aside class="(notice|warning|success)">|</aside>|<a id="[\w-]+">|</a>"""
    r"""|<a href='[^'<>"\s]+'>)\s*(</a>\s*)?"""
)


@dataclass(frozen=True)
class Code:
    language: str
    text: str
    html: str
    """The code, escaped and highlighted (``<span class=...>``), without the ``<pre>``."""


@dataclass(frozen=True)
class Figure:
    """An image of the Markdown that the generator draws (``![alt](name.svg)``, beside the
    page): the HTML page shows it inline, as ``diagram(src)`` of the docs target makes it."""

    src: str
    alt: str


@dataclass
class Section:
    level: int
    title: str
    id: str
    anchors: list[str] = field(default_factory=list)
    prose: list[str | Figure] = field(default_factory=list)
    """Ready-made HTML fragments and figures, in order."""
    code: list[Code] = field(default_factory=list)
    text: str = ""
    """The section's words (title, prose, no code), for the search index."""


@dataclass
class Page:
    title: str
    tabs: list[tuple[str, str]]
    sections: list[Section]
    footers: list[str]
    """Ready-made HTML, one fragment per line of the front matter's toc_footers."""
    search: bool
    highlight_css: str

    @property
    def search_json(self) -> str:
        """The sections' words for the search index, as JSON safe inside ``<script>``."""
        docs = [{"id": s.id, "title": s.title, "text": s.text} for s in self.sections]
        return json.dumps(docs, ensure_ascii=False).replace("</", "<\\/")


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    if md.core.ruler.get_active_rules() == ["normalize", "block", "inline", "text_join"]:
        md.core.ruler.at("inline", _inline_once)
        md.core.ruler.disable("text_join")  # _inline_once joins each distinct text's tokens
    return md


def _inline_once(state: StateCore) -> None:
    """markdown-it's inline and text_join stages, with each distinct inline text parsed once
    per page: a page repeats the same cells and sentences thousands of times (every
    operation's error table), and the tokens of a text depend on the text alone when the page
    defines no link references. Equal texts share one (final) list of tokens; what reads them
    later (``_safe``, the renderer) changes them the same way every time."""
    if state.env:  # link reference definitions: each text as markdown-it parses it
        inline(state)
        text_join(state)
        return
    parsed: dict[str, list[Token]] = {}
    for token in state.tokens:
        if token.type != "inline":
            continue
        children = parsed.get(token.content) if not token.children else None
        if children is None:
            own = token.children or []  # a block rule may have put tokens there first
            state.md.inline.parse(token.content, state.md, state.env, own)
            one = Token("inline", "", 0, content=token.content, children=own)
            text_join(StateCore("", state.md, state.env, [one]))
            children = one.children or []
            if not token.children:
                parsed[token.content] = children
        token.children = children


def code(language: str, text: str, memo: dict[tuple[str, str], Code] | None = None) -> Code:
    """A fence's code, highlighted. A lexer and the formatter are made once, not per fence
    (the highlighter keeps no state between calls); a page repeats fences (every operation's
    example response, say), highlighted once each when ``memo`` is given."""
    key = (language, text)
    found = memo.get(key) if memo is not None else None
    if found is None:
        html = highlight(text, _lexer(language), _FORMATTER)
        found = Code(language, text, html.removesuffix("\n"))
        if memo is not None:
            memo[key] = found
    return found


_FORMATTER = HtmlFormatter(nowrap=True)


@functools.cache
def _lexer(language: str) -> Lexer:
    name, options = LEXERS.get(language, (language, {}))
    try:
        return get_lexer_by_name(name, **options)
    except ClassNotFound:
        return get_lexer_by_name("text")


def parse(markdown: str) -> Page:
    front, body = _front_matter(markdown)
    title = str(front.get("title", "Reference"))
    tabs = [(str(k), str(v)) for item in front.get("language_tabs", []) for k, v in item.items()]
    md = _markdown()
    footers = [
        md.renderer.render(_safe(md.parseInline(str(line))), md.options, {})
        for line in front.get("toc_footers", [])
    ]
    sections: list[Section] = []
    words: dict[int, list[str]] = {}

    def current() -> Section:
        if not sections:
            sections.append(Section(1, title, names.anchor(title)))
        return sections[-1]

    tokens = _safe(md.parse(body))
    highlighted: dict[tuple[str, str], Code] = {}
    index = 0
    while index < len(tokens):
        token = tokens[index]
        end = _block_end(tokens, index)
        block = tokens[index : end + 1]
        if token.type == "heading_open" and token.tag in ("h1", "h2"):
            text = tokens[index + 1].content
            sections.append(Section(int(token.tag[1]), text, names.anchor(text)))
        elif token.type == "fence":
            current().code.append(code(token.info.strip() or "text", token.content, highlighted))
        elif figure := _figure(block):
            current().prose.append(figure)
        elif ANCHOR.fullmatch(_source(block)):
            current().anchors += ANCHOR.findall(_source(block))
        else:
            html = md.renderer.render(block, md.options, {}).strip()
            if token.type == "table_open":
                html = _scrollable_table(html, block, current())
            current().prose.append(html)
            words.setdefault(id(current()), []).extend(
                re.sub(r"<[^>]*>|[`*]", "", t.content) for t in block if t.type == "inline"
            )
        index = end + 1
    for section in sections:
        section.text = " ".join([section.title, *words.get(id(section), [])])
    css = HtmlFormatter(style=STYLE).get_style_defs(".code pre")
    return Page(title, tabs, sections, footers, bool(front.get("search")), css)


def _figure(block: list[Token]) -> Figure | None:
    """A paragraph that is only an image of a sibling SVG file, as a figure."""
    inline = [t for t in block if t.type == "inline"]
    if block[0].type != "paragraph_open" or len(inline) != 1:
        return None
    children = [c for c in inline[0].children or [] if c.type != "softbreak"]
    if len(children) != 1 or children[0].type != "image":
        return None
    src = str(children[0].attrGet("src") or "")
    if not FIGURE.fullmatch(src):
        return None
    return Figure(src, children[0].content)


def _scrollable_table(html: str, block: list[Token], section: Section) -> str:
    """A table in a box that scrolls when the table is wider than its column: focusable, so a
    keyboard can scroll it, and named by its section and columns (a screen reader lands on it)."""
    columns, heading = [], False
    for token in block:
        heading = {"th_open": True, "th_close": False}.get(token.type, heading)
        if heading and token.type == "inline":
            columns.append(token.content.replace("`", ""))
    name = escape(f"{section.title}: table of {', '.join(columns)}", quote=True)
    return f'<div class="table" tabindex="0" role="region" aria-label="{name}">{html}</div>'


def _safe(tokens: list[Token]) -> list[Token]:
    """Turn raw HTML that is not on the allow-list into text (escaped when rendered)."""
    for token in tokens:
        if token.type in ("html_block", "html_inline") and not ALLOWED_HTML.fullmatch(
            token.content
        ):
            if token.type == "html_block":
                token.type, token.tag, token.nesting = "code_block", "pre", 0
            else:
                token.type = "text"
        if token.children:
            _safe(token.children)
    return tokens


def _source(block: list[Token]) -> str:
    """A block's Markdown source (an ``<a id>`` anchor reads as a paragraph of inline HTML)."""
    return "".join(t.content for t in block if t.type in ("html_block", "inline"))


def _block_end(tokens: list[Token], start: int) -> int:
    """The index of the token that closes the top-level block opened at ``start``."""
    if tokens[start].nesting != 1:
        return start
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    raise ValueError(f"unclosed {tokens[start].type} in the docs")


def _front_matter(markdown: str) -> tuple[dict[str, Any], str]:
    if not markdown.startswith("---\n"):
        return {}, markdown
    raw, _, body = markdown[4:].partition("\n---\n")
    front = yaml.safe_load(raw) or {}
    if not isinstance(front, dict):
        raise ValueError("the docs' front matter is not a mapping")
    return front, body
