"""``python -m generator``: regenerate generated/ (or, with --check, compare it)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from generator import build, contracts, load, render, write
from generator.errors import SpecError
from generator.targets import TemplateError, all_targets

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__)
    parser.add_argument("--spec", type=Path, default=ROOT / "spec" / "ringcentral-auth.yaml")
    parser.add_argument("--templates", type=Path, default=ROOT / "templates")
    parser.add_argument("--out", type=Path, default=ROOT / "generated")
    parser.add_argument("--check", action="store_true", help="fail if --out is not up to date")
    parser.add_argument(
        "--hash-static",
        action="store_true",
        help="list static runtime copies in the manifest by hash instead of writing them (goldens)",
    )
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)

    try:
        # Named as "spec/<file>" wherever it lives, so output never depends on the checkout path.
        spec = build.build(load.load(args.spec, f"{args.spec.parent.name}/{args.spec.name}"))
    except SpecError as exc:
        print(exc, file=sys.stderr)
        return 2
    drift = [line for t in all_targets() for line in contracts.problems(t, args.templates)]
    if drift:
        print("\n".join(drift), file=sys.stderr)
        return 2
    static: set[str] = set()
    try:
        files = render.render(spec, args.templates, static_paths=static)
    except SpecError as exc:  # a template met a spec item it cannot render
        print(exc, file=sys.stderr)
        return 2
    except TemplateError as exc:
        print(f"templates: {exc}", file=sys.stderr)
        return 2

    hashed = frozenset(static) if args.hash_static else frozenset()
    if args.check:
        with tempfile.TemporaryDirectory(prefix="rcsdk-check-") as tmp:
            write.write(files, Path(tmp), render.header_lines(spec), hashed)
            problems = write.compare(Path(tmp), args.out)
        if problems:
            print("\n".join(problems))
            print(f"\n{_display(args.out)} is out of date with spec/ and templates/.")
            print("Fix: run `make generate` and commit the result (never edit generated/).")
            return 1
        if not args.quiet:
            print(f"{_display(args.out)} is up to date ({len(files) + 1 - len(hashed)} files).")
        return 0

    report = write.write(files, args.out, render.header_lines(spec), hashed)
    if not args.quiet:
        print(
            f"generated {len(files) + 1 - len(hashed)} files into {_display(args.out)}: "
            f"{len(report.written)} written, {len(report.unchanged)} unchanged, "
            f"{len(report.deleted)} deleted"
        )
    return 0


def _display(path: Path) -> str:
    """A path as the repository names it, so output never depends on the working directory."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
