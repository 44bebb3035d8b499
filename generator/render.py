"""Stage 3: every target's outputs, from the model only.

templates/ mirrors generated/: ``templates/rcsdk/_platform.py.j2`` becomes
``generated/rcsdk/_platform.py``. Each file belongs to one target (generator/targets/), which
decides how it is finished (ruff for Python, say). In templates/:

* ``*.j2`` is rendered with ``spec`` (the model) and every target's namespace (``python``,
  ``shell``, ...); a path part ``[operation]`` renders it once per operation
  (``curl/[operation].sh.j2`` -> ``curl/login-jwt.sh``);
* any other file is static runtime, copied verbatim (it is ordinary source, linted where it
  lives);
* folders whose names start with ``_`` (``templates/_macros/``) hold macros and emit nothing.

Outputs that are data (openapi.yaml, parity.json) come from the targets' ``data`` hooks, built
as structures and serialized, never written as template text. Every output gets a header saying
where it came from.
"""

from __future__ import annotations

import functools
import json
import os
import posixpath
import textwrap
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
from jinja2.loaders import split_template_path

from generator import pages
from generator.errors import Origin, SpecError
from generator.model import Spec
from generator.pause import gc_paused
from generator.targets import Target, TemplateError, all_targets

PER_OPERATION = "[operation]"
WRAP_WIDTH = 96
IGNORED = {"__pycache__", "node_modules", ".mypy_cache", ".ruff_cache"}
IGNORED_SUFFIXES = (".pyc",)


# Templates compiled to Python once, not by every run (as Python keeps __pycache__): Jinja
# keys each by its file and checks the source's hash, so an edited template is compiled again.
# build/ is the checkout's scratch folder (ignored by git); the Jinja version names the folder.
BYTECODE = Path(__file__).resolve().parent.parent / "build" / f"jinja-{jinja2.__version__}"


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    try:
        BYTECODE.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only checkout compiles every time
        return None
    return jinja2.FileSystemBytecodeCache(str(BYTECODE))


class _Loader(jinja2.FileSystemLoader):
    """Jinja's file loader, answering "no such template" from a listing of each folder, read
    once: every operation's docs section asks for a partial of its own in every language
    (``[own, generic]``), and most do not exist."""

    def __init__(self, searchpath: str) -> None:
        super().__init__(searchpath)
        self._folders: dict[str, frozenset[str]] = {}

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        *folder, name = split_template_path(template) or [""]
        if not any(name in self._listing(posixpath.join(p, *folder)) for p in self.searchpath):
            raise jinja2.TemplateNotFound(template)
        return super().get_source(environment, template)

    def _listing(self, folder: str) -> frozenset[str]:
        found = self._folders.get(folder)
        if found is None:
            try:
                found = frozenset(os.listdir(folder))
            except OSError:
                found = frozenset()
            self._folders[folder] = found
        return found


def environment(templates: Path, targets: Sequence[Target]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_Loader(str(templates)),
        bytecode_cache=_bytecode_cache(),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        auto_reload=False,  # one render reads each template once: no stat per include
    )
    env.filters["json"] = lambda value: json.dumps(value, sort_keys=False)
    env.filters["wrap"] = _wrap
    for target in targets:
        env.filters.update({name: _strict(f) for name, f in target.filters().items()})
        env.globals.update(target.namespace())
    return env


def _strict(filter_: Callable[..., Any]) -> Callable[..., Any]:
    """A target's filter that refuses an undefined value (``p.env.name`` when ``p.env`` is
    None) instead of formatting it, as StrictUndefined does for Jinja's own output."""

    @functools.wraps(filter_)
    def strict(*args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):
            if isinstance(value, jinja2.Undefined):
                value._fail_with_undefined_error()
        return filter_(*args, **kwargs)

    return strict


@functools.lru_cache(maxsize=4096)  # the same prose is wrapped the same way many times
def _wrap(text: str, indent: str = "", reserve: int = 0, hang: str = "") -> str:
    """Wrap prose for a template line that starts at ``indent``.

    Every line fits in WRAP_WIDTH columns, counting the indent and ``reserve`` columns kept
    free on the first line (for an opening ``\"\"\"``, say); lines after the first are
    indented by ``indent + hang``.
    """
    lines = textwrap.wrap(
        " ".join(text.split()),
        width=WRAP_WIDTH - len(indent),
        initial_indent=" " * reserve,
        subsequent_indent=hang,
        break_on_hyphens=False,
    ) or [""]
    lines[0] = lines[0][reserve:]
    return ("\n" + indent).join(lines)


def sources_of(templates: Path) -> Iterator[Path]:
    """Every file of templates/ that makes an output (templates and static files), in order."""
    for path in sorted(templates.rglob("*")):
        rel = path.relative_to(templates)
        if (
            path.is_file()
            and not any(part.startswith("_") or part in IGNORED for part in rel.parts[:-1])
            and not rel.name.endswith(IGNORED_SUFFIXES)
        ):
            yield rel


def owner(rel: Path, targets: Sequence[Target]) -> Target:
    owners = [t for t in targets if t.owns(rel.as_posix())]
    if len(owners) != 1:
        said = "no target" if not owners else " and ".join(t.name for t in owners)
        raise TemplateError(
            f"templates/{rel.as_posix()} belongs to {said}: each file of templates/ belongs to"
            " exactly one target (its `templates` in generator/targets/<target>.py)"
        )
    return owners[0]


def header_lines(spec: Spec) -> list[str]:
    """The header of the manifest (the only output that names the spec's hash)."""
    return [
        f"Generated by rcsdk's generator from {spec.file} (sha256 {spec.short_hash}).",
        "Do not edit: change spec/ or templates/ and run `make generate`.",
    ]


def file_header(spec: Spec, source: str, static: bool) -> list[str]:
    """Where an output came from. No hash: a spec edit rewrites only the files it changes."""
    if static:
        return [
            f"Copied verbatim from templates/{source} by rcsdk's generator.",
            f"Do not edit: change templates/{source} and run `make generate`.",
        ]
    return [
        f"Generated by rcsdk's generator from {spec.file}",
        f"and {source}. Do not edit: change either and run `make generate`.",
    ]


def add_header(text: str, lines: list[str], style: str | None) -> str:
    """``text`` with the header ``lines`` in the comment ``style`` its target names for the file
    (see ``Target.comments``); ``None``: no header."""
    if not text.strip() or style is None:
        return text  # marker files such as py.typed stay empty; data files take no comment
    if style == "package.json" and text.startswith("{\n"):
        # npm's convention for a comment in package.json: a "//" key.
        return '{\n  "//": ' + json.dumps(" ".join(lines)) + ",\n" + text[2:]
    if style == "markdown" and text.startswith("---\n"):
        # Slate's front matter must open the file: the header is a YAML comment inside it.
        return "---\n" + "".join(f"# {line}\n" for line in lines) + text[4:]
    if style in ("html", "markdown"):
        if text.startswith("<!DOCTYPE html>\n"):
            return "<!DOCTYPE html>\n<!-- " + " ".join(lines) + " -->\n" + text[16:]
        return "<!-- " + " ".join(lines) + " -->\n" + text
    if style == "go":  # a blank line keeps the header out of the package's doc comment
        return "".join(f"// {line}\n" for line in lines) + "\n" + text
    comment = "".join(f"{style} {line}\n" for line in lines)
    first, _, rest = text.partition("\n")
    if first.startswith("#!") or first == "<?php":  # the interpreter's line stays first
        return f"{first}\n{comment}{rest}"
    return comment + text


def tidy(text: str, keep_trailing_spaces: bool) -> str:
    """End every file with one newline; drop trailing spaces (Markdown keeps them)."""
    if not text.strip():
        return ""  # marker files such as py.typed stay empty
    if not keep_trailing_spaces:
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text.rstrip("\n") + "\n"


def render(
    spec: Spec,
    templates: Path,
    targets: Sequence[Target] | None = None,
    static_paths: set[str] | None = None,
) -> dict[str, str]:
    """Every target's outputs; return ``{relative output path: text}``. The outputs that are
    static copies (not rendered) are added to ``static_paths`` when it is given."""
    with gc_paused():
        return _render(spec, templates, targets, static_paths)


def _render(
    spec: Spec,
    templates: Path,
    targets: Sequence[Target] | None,
    static_paths: set[str] | None,
) -> dict[str, str]:
    targets = tuple(targets if targets is not None else all_targets())
    env = environment(templates, targets)
    env.globals["spec"] = spec  # macros (imported without context) read the model too
    claimed: dict[Target, list[Path]] = {t: [] for t in targets}
    for rel in sources_of(templates):
        claimed[owner(rel, targets)].append(rel)
    out: dict[str, str] = {}
    for target in targets:
        files: dict[str, str] = {}
        static: dict[str, str] = {}
        # HTML pages are rendered last, from the sections of the Markdown pages rendered first.
        for rel in sorted(claimed[target], key=lambda r: r.name.endswith(".html.j2")):
            if rel.suffix != ".j2":
                text = (templates / rel).read_text(encoding="utf-8")
                lines = file_header(spec, rel.as_posix(), static=True)
                static[rel.as_posix()] = add_header(text, lines, target.comment_style(rel.name))
                for folder in target.also_under:
                    static[f"{folder}/{rel.as_posix()}"] = static[rel.as_posix()]
                continue
            files.update(_render_template(env, spec, rel, {**out, **files}, target))
        for path, text in target.data(spec).items():
            lines = file_header(spec, f"generator/targets/{target.name}.py", static=False)
            files[path] = tidy(
                add_header(text, lines, target.comment_style(path)), path.endswith(".md")
            )
        files = target.finish(files, spec)
        if static_paths is not None:
            static_paths.update(static)
        for path, text in {**files, **static}.items():
            if path in out:
                raise TemplateError(f"two sources make generated/{path}")
            out[path] = text
    return dict(sorted(out.items()))


def _render_template(
    env: jinja2.Environment, spec: Spec, rel: Path, rendered: dict[str, str], owner: Target
) -> dict[str, str]:
    template = env.get_template(rel.as_posix())
    target = rel.as_posix().removesuffix(".j2")
    context: dict[str, Any] = {"spec": spec}
    if rel.name.endswith(".html.j2"):
        context["page"] = pages.parse(rendered[target.removesuffix(".html") + ".md"])
    texts: dict[str, str] = {}
    if PER_OPERATION in target:
        for op in spec.operations:
            with _placed(rel, op):
                text = template.render(**context, operation=op)
            if text.strip():  # a per-operation template may skip an operation
                texts[target.replace(PER_OPERATION, op.file_stem)] = text
    else:
        with _placed(rel, None):
            texts[target] = template.render(**context)
    lines = file_header(spec, f"templates/{rel.as_posix()}", static=False)
    return {
        path: tidy(add_header(text, lines, owner.comment_style(path)), path.endswith(".md"))
        for path, text in texts.items()
    }


@contextmanager
def _placed(rel: Path, item: object) -> Iterator[None]:
    """Turn a template's failure into a SpecError at the spec item it was rendering.

    A template that meets a spec shape it does not expect (an attribute that is None, an empty
    list, a missing key) raises from inside Jinja. The item it was rendering is the innermost
    model object with an ``origin`` among the locals of the failing frames (a parameter inside an
    operation's loop, say), else ``item``; the template's file and line go into the message. A
    failure with no spec item to blame is a TemplateError naming the template's line.
    """
    try:
        yield
    except (SpecError, TemplateError):
        raise
    except Exception as exc:  # anything Jinja or the model raised while rendering
        where, blamed = f"templates/{rel.as_posix()}", _origin_of(item)
        frames = traceback.extract_tb(exc.__traceback__)
        tb = exc.__traceback__
        while tb is not None:
            for value in tb.tb_frame.f_locals.values():
                found = _origin_of(value)
                if found is not None and (blamed is None or len(found.path) >= len(blamed.path)):
                    blamed = found
            tb = tb.tb_next
        for frame in frames:
            if frame.filename.endswith(".j2"):
                name = Path(frame.filename).as_posix().split("/templates/")[-1]
                where = f"templates/{name}:{frame.lineno}"
        message = f"{where} cannot render this: {type(exc).__name__}: {exc}".replace("\n", " ")
        if blamed is None:
            raise TemplateError(message) from None
        raise blamed.error(message) from None


def _origin_of(value: object) -> Origin | None:
    """The spec location of a model object (None for anything else, Jinja's own included)."""
    if not type(value).__module__.startswith("generator.model"):
        return None
    origin = getattr(value, "origin", None)
    return origin if isinstance(origin, Origin) else None
