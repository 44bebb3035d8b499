"""Stage 4 helper: read the rendered Markdown docs into sections for the HTML renderer.

The docs are written once (templates/docs/index.md.j2); the static HTML page is rendered from
their sections, so the two cannot drift. Only the Markdown the docs use is understood:
front matter, ``#``/``##`` headings, fenced code, tables, ``> `` notes, ``<aside>`` blocks,
``<a id>`` anchors and paragraphs, with `code`, **bold** and [links](url) inline.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from generator import names


@dataclass(frozen=True)
class Code:
    language: str
    text: str


@dataclass
class Section:
    level: int
    title: str
    id: str
    anchors: list[str] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)
    """Ready-made HTML fragments, in order."""
    code: list[Code] = field(default_factory=list)


@dataclass
class Page:
    title: str
    tabs: list[tuple[str, str]]
    sections: list[Section]


_INLINE = [
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)"), r'<a href="\2">\1</a>'),
]


def inline(text: str) -> str:
    out = html.escape(text, quote=False)
    for pattern, replacement in _INLINE:
        out = pattern.sub(replacement, out)
    return out


def parse(markdown: str) -> Page:
    front, body = _front_matter(markdown)
    title = front.get("title", "Reference")
    tabs = re.findall(r"^\s+- (\w+): (.+)$", front.get("_raw", ""), flags=re.M)
    sections: list[Section] = []
    lines = body.splitlines()
    index = 0
    paragraph: list[str] = []

    def current() -> Section:
        if not sections:
            sections.append(Section(1, title, names.anchor(title)))
        return sections[-1]

    def flush() -> None:
        if paragraph:
            current().prose.append(f"<p>{inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    while index < len(lines):
        line = lines[index]
        heading = re.match(r"(#{1,2}) (.+)", line)
        if line.startswith("```"):
            flush()
            language = line[3:].strip() or "text"
            end = lines.index("```", index + 1)
            current().code.append(Code(language, "\n".join(lines[index + 1 : end])))
            index = end
        elif heading:
            flush()
            text = heading.group(2).strip()
            sections.append(Section(len(heading.group(1)), text, names.anchor(text)))
        elif re.fullmatch(r'<a id="([\w-]+)"></a>', line):
            flush()
            current().anchors.append(line[7 : line.index('"', 7)])
        elif line.startswith("<aside"):
            flush()
            end = index
            while not lines[end].startswith("</aside>"):
                end += 1
            kind = re.search(r'class="(\w+)"', line)
            text = " ".join(lines[index + 1 : end])
            css = kind.group(1) if kind else "notice"
            current().prose.append(f'<aside class="{css}">{inline(text)}</aside>')
            index = end
        elif line.startswith("> "):
            flush()
            current().prose.append(f"<blockquote>{inline(line[2:])}</blockquote>")
        elif "|" in line and index + 1 < len(lines) and re.fullmatch(r"[-| ]+", lines[index + 1]):
            flush()
            end = index + 2
            while end < len(lines) and "|" in lines[end]:
                end += 1
            current().prose.append(_table(lines[index], lines[index + 2 : end]))
            index = end - 1
        elif line.strip():
            paragraph.append(line.strip())
        else:
            flush()
        index += 1
    flush()
    return Page(title, tabs, sections)


def _front_matter(markdown: str) -> tuple[dict[str, str], str]:
    if not markdown.startswith("---\n"):
        return {}, markdown
    raw, _, body = markdown[4:].partition("\n---\n")
    front = {"_raw": raw}
    for line in raw.splitlines():
        match = re.match(r"(\w+): (.+)", line)
        if match:
            front[match.group(1)] = match.group(2)
    return front, body


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _table(head: str, rows: list[str]) -> str:
    out = ["<table>", "<thead><tr>"]
    out += [f"<th>{inline(cell)}</th>" for cell in _cells(head)]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{inline(cell)}</td>" for cell in _cells(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)
