"""The docs target: the reference (Slate Markdown) and the same reference as one HTML page.

Every tab of every section is rendered from the model and run by the tests. The page
(templates/docs/index.md.j2) holds the prose; each section's code, per language, is a partial
``templates/docs/_samples/<language>/<section>.md.j2``, so a language adds its tabs by adding
files (see templates/docs/_samples/README.md). Every operation has a section generated from the
spec (endpoint, parameters, the call in every tab, example response, errors): those named in
SECTIONS where the page's prose places them, every other one after them. The HTML page is
rendered after the Markdown, from the Markdown (generator/pages.py), so the two cannot drift.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jinja2

from generator import sequence
from generator.diagrams import diagrams
from generator.model import Operation, Spec
from generator.targets import Contract, Target, TemplateError

# The operations the page places among its prose, by the spec's ids, in templates/docs/index.md.j2;
# every other operation gets a section of its own, generated from the spec, after these.
SECTIONS = (
    "authorize",
    "loginJwt",
    "authorizeUrl",
    "loginAuthCode",
    "refresh",
    "logout",
    "readExtension",
)

SAMPLES = "docs/_samples/"
# Libraries copied into the page when it is generated (pinned in templates/docs/_vendor/
# package-lock.json, installed by `make vendor`), so the page fetches nothing.
VENDOR = "docs/_vendor/"
SCRIPTS = {"minisearch": "dist/umd/index.js"}

# Tab order and labels, as in the reference (Slate's language_tabs; Go, which the reference lacks,
# after Python). A folder of samples for a language not named here still shows, after these,
# labelled with its folder name.
TABS = {
    "javascript": "JavaScript",
    "php": "PHP",
    "python": "Python",
    "go": "Go",
    "shell": "cURL",
}


@dataclass(frozen=True)
class Language:
    name: str
    """The folder under templates/docs/_samples/ and the fence's info string (Slate's key)."""
    label: str


@jinja2.pass_environment
def languages(env: jinja2.Environment) -> list[Language]:
    """The languages that have samples, in tab order (listed once per environment: every
    operation's section asks, and listing walks templates/)."""
    found = _LANGUAGES.get(env)
    if found is None:
        found = _LANGUAGES[env] = _languages(env)
    return list(found)


_LANGUAGES: weakref.WeakKeyDictionary[jinja2.Environment, tuple[Language, ...]] = (
    weakref.WeakKeyDictionary()
)


def _languages(env: jinja2.Environment) -> tuple[Language, ...]:
    found = {
        name.removeprefix(SAMPLES).split("/", 1)[0]
        for name in env.list_templates()
        if name.startswith(SAMPLES) and name.count("/") == 3 and name.endswith(".md.j2")
    }
    order = [*TABS, *sorted(found - set(TABS))]
    return tuple(Language(name, TABS.get(name, name)) for name in order if name in found)


@jinja2.pass_environment
def vendored(env: jinja2.Environment, package: str) -> str:
    """A pinned npm package's browser script, with a comment naming it and its licence."""
    base = f"{VENDOR}node_modules/{package}/"
    try:
        script = _source(env, base + SCRIPTS[package])
        meta = json.loads(_source(env, base + "package.json"))
        lock = json.loads(_source(env, VENDOR + "package-lock.json"))
    except jinja2.TemplateNotFound as missing:
        raise TemplateError(
            f"templates/{missing.name} is missing: run `make vendor` (npm ci in templates/{VENDOR})"
        ) from None
    pinned = lock["packages"][f"node_modules/{package}"]["version"]
    if meta["version"] != pinned:
        raise TemplateError(
            f"{package} {meta['version']} is installed but {pinned} is pinned: run `make vendor`"
        )
    # The source map is not shipped, and the page must not ask for it.
    script = re.sub(r"^//# sourceMappingURL=.*$", "", script, flags=re.M).rstrip()
    head = f"/* {package} {meta['version']} ({meta['license']} licence), copied from npm */"
    return f"{head}\n{script}".replace("</script", "<\\/script")


@jinja2.pass_context
def diagram(context: jinja2.runtime.Context, file: str) -> str:
    """A diagram of generator/diagrams.py, by its file name, as an SVG element for the page."""
    found = diagrams(context["spec"]).get(file.removesuffix(".svg"))
    if found is None or not file.endswith(".svg"):
        raise TemplateError(f"the docs show {file}, which generator/diagrams.py does not draw")
    return sequence.svg(found)


def _source(env: jinja2.Environment, name: str) -> str:
    assert env.loader is not None
    return env.loader.get_source(env, name)[0]


class Docs(Target):
    name = "docs"
    description = "generated/docs: index.md (Slate) and index.html (one self-contained page)"
    comments = ((".md", "markdown"), (".html", "html"), (".svg", "html"))
    templates = ("docs",)
    contracts = (
        Contract(
            operations=SECTIONS,
            events=("access_violation",),
            why="the reference docs and the quickstarts (templates/docs/, templates/examples/)",
        ),
    )

    def namespace(self) -> Mapping[str, Any]:
        return {
            "docs_languages": languages,
            "vendored": vendored,
            "docs_sections": SECTIONS,
            "diagram": diagram,
            "diagram_rules": sequence.RULES,
        }

    def data(self, spec: Spec) -> dict[str, str]:
        """The diagrams as files of their own, beside the page (the README links them)."""
        return {
            f"docs/{name}.svg": sequence.svg(d, standalone=True)
            for name, d in diagrams(spec).items()
        }

    def parity(self, op: Operation) -> Mapping[str, str]:
        return {"docs": f"docs/index.md#{op.anchor}", "html": f"docs/index.html#{op.anchor}"}


TARGET = Docs()
