"""The npm package as a user adds it: one command from a checkout, with nothing built first, into
an ESM project, a CommonJS project (npm init's default) and a TypeScript project, each outside the
checkout, each running the quickstart against the local platform.

The command is the one the README documents (tools/js-package.sh builds a tarball: no `make`, no
Python), run once into a folder of this test's own, so the suites' build/js is left alone. npm
runs offline: the package has no dependencies, and the tests reach no network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from _support import ROOT

TOOLS = ROOT / "tests" / "js" / "node_modules"  # the pinned TypeScript, for the TS project

QUICKSTART = """\
const sdk = new RCSDK({
  appKey: process.env.RC_APP_KEY,
  appSecret: process.env.RC_APP_SECRET,
  server: process.env.RC_SERVER,
});
const platform = sdk.getPlatform();
await platform.loginJwt(process.env.RC_JWT);
console.log((await platform.readExtension()).name);
await platform.logout();
console.log(await platform.isAuthorized());
"""

PROJECTS = {
    # name: (package.json fields, file, program)
    "esm": ({"type": "module"}, "main.js", 'import { RCSDK } from "rcsdk";\n\n' + QUICKSTART),
    "commonjs": (
        {},
        "main.js",
        'const { RCSDK } = require("rcsdk");\n\nasync function main() {\n'
        + "".join(f"  {line}\n" for line in QUICKSTART.splitlines())
        + "}\n\nmain();\n",
    ),
    "typescript": (
        {},
        "main.ts",
        'import { RCSDK, type Platform } from "rcsdk";\n\nasync function main(): Promise<void> {\n'
        + "".join(f"  {line}\n" for line in QUICKSTART.splitlines())
        .replace("const platform = sdk", "const platform: Platform = sdk")
        .replace("RC_APP_KEY,", "RC_APP_KEY!,")  # strict: env values may be undefined
        .replace("RC_JWT)", "RC_JWT!)")
        + "}\n\nvoid main();\n",
    ),
}

TSCONFIG = {
    "compilerOptions": {
        "module": "NodeNext",
        "moduleResolution": "NodeNext",
        "target": "ES2022",
        "strict": True,
        "outDir": "dist",
        "typeRoots": [str(TOOLS / "@types")],
        "types": ["node"],
    },
    "files": ["main.ts"],
}


def npm_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RC_", "npm_"))}
    env.update(
        HOME=str(home),
        npm_config_offline="true",
        npm_config_audit="false",
        npm_config_fund="false",
        npm_config_update_notifier="false",
        npm_config_cache=str(home / ".npm"),
    )
    return env


def test_one_command_adds_the_package_to_esm_commonjs_and_typescript_projects(
    tmp_path: Path,
) -> None:
    env = npm_env(tmp_path)
    # As documented, with the output folder of this test's own.
    package = subprocess.run(
        ["bash", str(ROOT / "tools" / "js-package.sh"), str(tmp_path / "package")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=True,
    ).stdout.strip()
    assert package.endswith(".tgz") and Path(package).is_file(), package
    for name, (fields, main, program) in PROJECTS.items():
        project = tmp_path / name
        project.mkdir()
        manifest = {"name": f"my-{name}-app", "version": "1.0.0", "private": True, **fields}
        (project / "package.json").write_text(json.dumps(manifest))
        subprocess.run(
            ["npm", "install", package],
            cwd=project,
            env=env,
            capture_output=True,
            timeout=300,
            check=True,
        )
        (project / main).write_text(program)
        command = ["node", main]
        if name == "typescript":
            (project / "tsconfig.json").write_text(json.dumps(TSCONFIG))
            tsc = subprocess.run(
                [str(TOOLS / ".bin" / "tsc"), "-p", "."],
                cwd=project,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert tsc.returncode == 0, tsc.stdout + tsc.stderr
            command = ["node", "dist/main.js"]
        run = subprocess.run(
            [sys.executable, "-m", "rcsdk.testing", "run", "--", *command],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, f"{name}: {run.stderr}"
        assert run.stdout.split("\n") == ["Local User", "false", ""], f"{name}: {run.stdout}"
        installed = project / "node_modules" / "rcsdk"
        assert installed.is_dir() and not installed.is_symlink(), name  # a copy, not a link
