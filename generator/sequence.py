"""Sequence diagrams as SVG, laid out when the docs are generated (no script, no service).

A diagram is data: its participants (columns with lifelines) and its steps, top to bottom: a
message from one participant to another, a note over one or more participants, or a phase (a
rule across the diagram with a label). ``svg`` lays them out on a fixed width, wrapping each text
to the room it has, and writes SVG whose colours are CSS variables and ``currentColor``: inside
the docs page they follow its light, dark and print styles; a standalone file (``standalone``)
carries the same rules and its own light and dark palette.

Text is measured by an estimate (``CHAR`` pixels a character); the browser test measures the
real text and fails when any overflows its box.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from html import escape

WIDTH = 560
PAD = 8
FONT = 13
LINE = 17
CHAR = 7.6
"""A generous average advance of a 13 px sans-serif character (DejaVu Sans: about 7.2)."""
BOLD = 1.15
"""How much wider bold text is (participants' names, notes that end something)."""
BOX_WIDTH = 118
BOX_HEIGHT = 34
NOTE_PAD = 7
KINDS = ("note", "ok", "stop")
"""Notes: a plain note, an outcome that is fine, one that ends something."""


@dataclass(frozen=True)
class Message:
    source: str
    target: str
    text: str
    reply: bool = False
    """An answer: drawn dashed."""


@dataclass(frozen=True)
class Note:
    over: tuple[str, ...]
    """The participant it is over, or the first and last of those it spans."""
    text: str
    kind: str = "note"


@dataclass(frozen=True)
class Phase:
    text: str


Step = Message | Note | Phase


@dataclass(frozen=True)
class Diagram:
    name: str
    """Its file name without ``.svg``, and the prefix of its element ids."""
    title: str
    summary: str
    """What it shows, in a sentence or two: the SVG's description for screen readers."""
    participants: tuple[str, ...]
    steps: tuple[Step, ...]


# The drawing's rules, in the docs page's variables (--text, --muted, --rule, --note-*, ...).
RULES = """\
svg.diagram { color: var(--text); font: 13px/1 system-ui, -apple-system, "Segoe UI", sans-serif; }
svg.diagram text { fill: currentColor; }
svg.diagram .box rect { fill: var(--bg); stroke: currentColor; stroke-width: 1.5; }
svg.diagram .box text { font-weight: 600; }
svg.diagram .life { stroke: var(--muted); stroke-dasharray: 3 4; }
svg.diagram .message line { stroke: currentColor; stroke-width: 1.5; }
svg.diagram .message.reply line { stroke-dasharray: 6 4; }
svg.diagram .head { fill: currentColor; }
svg.diagram .note rect { fill: var(--note-bg); stroke: var(--note-rule); }
svg.diagram .note text { fill: var(--note-text); }
svg.diagram .ok rect { fill: var(--ok-bg); stroke: var(--ok-rule); }
svg.diagram .ok text { fill: var(--ok-text); }
svg.diagram .stop rect { fill: var(--warn-bg); stroke: var(--warn-rule); stroke-width: 2; }
svg.diagram .stop text { fill: var(--warn-text); font-weight: 600; }
svg.diagram .phase line { stroke: var(--rule); stroke-width: 2; }
svg.diagram .phase text { fill: var(--muted); font-weight: 600; }
"""

# A standalone file's palette (the docs page's own, light and dark), on paper of its own: its
# colours hold whatever page shows it (an <img> in a README, light or dark).
PALETTE = """\
svg.diagram .paper { fill: var(--bg); }
svg.diagram { --text: #1f2328; --bg: #fff; --muted: #4b5563; --rule: #d0d7de;
  --note-bg: #ddf4ff; --note-text: #0a3069; --note-rule: #0969da;
  --ok-bg: #dafbe1; --ok-text: #0f3d1d; --ok-rule: #1a7f37;
  --warn-bg: #fff1e5; --warn-text: #6a2b00; --warn-rule: #bc4c00; }
@media (prefers-color-scheme: dark) {
  svg.diagram { --text: #e6edf3; --bg: #0d1117; --muted: #9ba6b2; --rule: #3d444d;
    --note-bg: #0c2d4f; --note-text: #cae8ff; --note-rule: #388bfd;
    --ok-bg: #0f2d1a; --ok-text: #aff5b4; --ok-rule: #3fb950;
    --warn-bg: #3d2210; --warn-text: #ffd8b5; --warn-rule: #db6d28; }
}
"""


def wrap(text: str, width: float, bold: bool = False) -> list[str]:
    """``text`` in lines that fit ``width`` pixels (by the CHAR estimate)."""
    chars = max(8, int(width // (CHAR * (BOLD if bold else 1))))
    return textwrap.wrap(text, chars, break_on_hyphens=False, break_long_words=False) or [""]


def _text(lines: list[str], x: float, top: float, anchor: str = "middle") -> str:
    """Lines of text whose first line's box starts at ``top``."""
    spans = "".join(
        f'<tspan x="{x:g}" y="{top + LINE * i + FONT:g}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text text-anchor="{anchor}">{spans}</text>'


def svg(diagram: Diagram, standalone: bool = False) -> str:
    """The diagram as SVG: a file of its own (``standalone``) or an element for a page."""
    names = diagram.participants
    if len(names) < 2:
        raise ValueError(f"diagram {diagram.name}: it needs two participants")
    gap = (WIDTH - 2 * PAD - BOX_WIDTH) / (len(names) - 1)
    x = {name: PAD + BOX_WIDTH / 2 + gap * i for i, name in enumerate(names)}
    ident = diagram.name
    parts: list[str] = []
    y = PAD
    for name in names:
        lines = wrap(name, BOX_WIDTH - 10, bold=True)
        parts.append(
            f'<g class="box"><rect x="{x[name] - BOX_WIDTH / 2:g}" y="{y:g}" '
            f'width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="4"/>'
            + _text(lines, x[name], y + (BOX_HEIGHT - LINE * len(lines)) / 2 + 1)
            + "</g>"
        )
    y += BOX_HEIGHT + 12
    top = y - 12
    for step in diagram.steps:
        if isinstance(step, Message):
            for end in (step.source, step.target):
                if end not in x:
                    raise ValueError(f"diagram {ident}: {end!r} is not a participant")
            if step.source == step.target:
                raise ValueError(f"diagram {ident}: a message goes to another participant")
            a, b = x[step.source], x[step.target]
            lines = wrap(step.text, abs(b - a) - 16)
            kind = "message reply" if step.reply else "message"
            tip = b - 2 if b > a else b + 2
            parts.append(
                f'<g class="{kind}">'
                + _text(lines, (a + b) / 2, y)
                + f'<line x1="{a:g}" y1="{y + LINE * len(lines) + 4:g}" x2="{tip:g}" '
                f'y2="{y + LINE * len(lines) + 4:g}" marker-end="url(#{ident}-head)"/></g>'
            )
            y += LINE * len(lines) + 16
        elif isinstance(step, Note):
            if step.kind not in KINDS or not step.over or not set(step.over) <= set(x):
                raise ValueError(f"diagram {ident}: a note needs a kind and participants")
            left = min(x[n] for n in step.over) - BOX_WIDTH / 2
            right = max(x[n] for n in step.over) + BOX_WIDTH / 2
            if len(step.over) == 1:  # a note over one participant takes most of its column
                half = max(BOX_WIDTH, gap - 12) / 2
                left, right = x[step.over[0]] - half, x[step.over[0]] + half
            left, right = max(PAD, left), min(WIDTH - PAD, right)
            lines = wrap(step.text, right - left - 2 * NOTE_PAD, bold=step.kind == "stop")
            height = LINE * len(lines) + 2 * NOTE_PAD - 4
            parts.append(
                f'<g class="{step.kind}"><rect x="{left:g}" y="{y:g}" width="{right - left:g}" '
                f'height="{height:g}" rx="3"/>'
                + _text(lines, (left + right) / 2, y + NOTE_PAD - 2)
                + "</g>"
            )
            y += height + 12
        else:
            y += 4
            lines = wrap(step.text, WIDTH - 2 * PAD, bold=True)
            parts.append(
                f'<g class="phase"><line x1="{PAD}" y1="{y:g}" x2="{WIDTH - PAD}" y2="{y:g}"/>'
                + _text(lines, PAD, y + 4, anchor="start")
                + "</g>"
            )
            y += LINE * len(lines) + 14
    height = y + PAD
    lifelines = "".join(
        f'<line class="life" x1="{x[n]:g}" y1="{top:g}" x2="{x[n]:g}" y2="{height - PAD:g}"/>'
        for n in names
    )
    head = (
        f'<defs><marker id="{ident}-head" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
        '<path class="head" d="M0,0 L10,5 L0,10 z"/></marker></defs>'
    )
    style = (
        f'<style>\n{PALETTE}{RULES}</style><rect class="paper" width="100%" height="100%"/>'
        if standalone
        else ""
    )
    namespace = ' xmlns="http://www.w3.org/2000/svg"'
    return (
        f'<svg{namespace} class="diagram" viewBox="0 0 {WIDTH} {height:g}" '
        f'width="{WIDTH}" height="{height:g}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(diagram.title)}</title>'
        f'<desc id="{ident}-desc">{escape(diagram.summary)}</desc>'
        f"{style}{head}{lifelines}\n" + "\n".join(parts) + "\n</svg>"
    )
