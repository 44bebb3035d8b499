"""Stage 2: build the model from a loaded spec, and check everything the targets rely on.

``build(doc)`` resolves every reference (schemas, param sets, events, error codes, exceptions,
environment variables, operations), reports cycles (in ``after:`` and in nested schemas), and
checks each target's contract (generator/targets/: the events, operations, grants, paths and
variables its runtime or templates name). Every problem is a SpecError with file, line and
YAML path, raised before anything is rendered.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from generator.errors import Origin
from generator.load import Document, YamlPath
from generator.model import (
    ClientAuth,
    Defaults,
    EnvVar,
    ErrorCode,
    Event,
    Example,
    ExceptionClass,
    Field,
    Info,
    Operation,
    Param,
    Response,
    Schema,
    Server,
    Spec,
)
from generator.targets import Contract


def build(doc: Document, contracts: Sequence[Contract] | None = None) -> Spec:
    """Resolve a format-checked document into the model; raise SpecError on a bad reference,
    a cycle, or a spec that lacks what a target relies on (every target's, by default)."""
    if contracts is None:
        from generator.targets import all_targets

        contracts = [c for target in all_targets() for c in target.contracts]
    builder = _Builder(doc)
    spec = builder.spec()
    builder.check_contracts(spec, contracts)
    return spec


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.data: Mapping[str, Any] = doc.data

    def fail(self, path: YamlPath, message: str) -> Exception:
        return self.doc.error(path, message)

    def origin(self, path: YamlPath) -> Origin:
        placed = self.doc.error(path, "")
        return Origin(placed.file, placed.line, placed.path)

    def unique(self, items: list[Any], key: str, path: YamlPath) -> None:
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item[key] in seen:
                raise self.fail((*path, index, key), f"duplicate {key} {item[key]!r}")
            seen.add(item[key])

    def lookup(self, table: Mapping[str, Any], name: str, what: str, path: YamlPath) -> Any:
        if name not in table:
            known = ", ".join(sorted(table)) or "none"
            raise self.fail(path, f"undefined {what} {name!r} (defined: {known})")
        return table[name]

    def spec(self) -> Spec:
        d = self.data
        env = {
            e["name"]: EnvVar(
                e["name"],
                e["description"],
                e["example"],
                e.get("secret", False),
                e.get("local", False),
            )
            for e in d["environment"]
        }
        self.unique(d["environment"], "name", ("environment",))
        self.unique(d["servers"], "name", ("servers",))
        self.unique(d["events"], "name", ("events",))
        self.unique(d["operations"], "id", ("operations",))
        self.unique(d["exceptions"], "name", ("exceptions",))
        self.unique(d["error_codes"], "code", ("error_codes",))

        schemas = {name: self.schema(name, raw) for name, raw in d["schemas"].items()}
        for name, schema in schemas.items():
            for index, f in enumerate(schema.fields):
                path: YamlPath = ("schemas", name, "fields", index)
                if f.type == "object":
                    if f.ref is None:
                        raise self.fail(path, "an object field needs 'ref'")
                    self.lookup(schemas, f.ref, "schema", (*path, "ref"))
                if f.type == "array":
                    if f.items is None:
                        raise self.fail(path, "an array field needs 'items' (a schema name)")
                    self.lookup(schemas, f.items, "schema", (*path, "items"))

        self.check_schema_cycles(schemas)

        events = {
            e["name"]: Event(e["name"], e["description"], e.get("payload") != "none")
            for e in d["events"]
        }

        codes = {
            c["code"]: ErrorCode(
                c["code"],
                c["status"],
                c["exception"],
                c["message"],
                c.get("ends_session", False),
                c.get("note", ""),
            )
            for c in d["error_codes"]
        }
        exceptions: dict[str, ExceptionClass] = {}
        for index, raw in enumerate(d["exceptions"]):
            base = raw.get("base")
            if base is None and exceptions:
                raise self.fail(("exceptions", index), "only the first exception may have no base")
            if base is not None:
                where: YamlPath = ("exceptions", index, "base")
                self.lookup(exceptions, base, "exception (bases come first)", where)
            exceptions[raw["name"]] = ExceptionClass(
                raw["name"],
                base,
                raw["description"],
                tuple(raw.get("statuses", ())),
                tuple(raw.get("oauth_errors", ())),
                tuple(c for c in codes.values() if c.exception == raw["name"]),
            )
        for index, code in enumerate(codes.values()):
            self.lookup(
                exceptions, code.exception, "exception", ("error_codes", index, "exception")
            )

        param_sets = {
            name: tuple(self.param(p, env, ("param_sets", name, i)) for i, p in enumerate(raw))
            for name, raw in d["param_sets"].items()
        }
        op_ids = {op["id"]: op for op in d["operations"]}
        operations = tuple(
            self.operation(raw, ("operations", i), env, schemas, events, codes, param_sets, op_ids)
            for i, raw in enumerate(d["operations"])
        )
        self.check_after_cycles(operations)
        self.check_session_ending_codes(codes, operations)
        info = d["info"]
        self.check_defaults(d["defaults"])
        defaults: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in d["defaults"].items()
        }
        return Spec(
            file=self.doc.file,
            sha256=hashlib.sha256(self.doc.text.encode()).hexdigest(),
            info=Info(info["title"], info["package"], info["version"], info["summary"]),
            servers=tuple(
                Server(s["name"], s["url"], s["description"], s.get("retired"))
                for s in d["servers"]
            ),
            defaults=Defaults(**defaults),
            client_auth=ClientAuth(
                d["client_auth"]["confidential"]["description"],
                d["client_auth"]["public"]["description"],
                d["client_auth"].get("assertion", {}).get("description", ""),
                d["client_auth"].get("assertion", {}).get("assertion_type", ""),
            ),
            environment=tuple(env.values()),
            schemas=tuple(schemas.values()),
            events=tuple(events.values()),
            operations=operations,
            exceptions=tuple(exceptions.values()),
            error_codes=tuple(codes.values()),
        )

    def check_example(
        self, value: Any, schema: Schema, schemas: Mapping[str, Schema], path: YamlPath
    ) -> None:
        """An example is what the local platform serves: it must fit its schema exactly (no
        field the schema lacks, every required one, each of its type, enum and format)."""
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping ({schema.name}), got {type(value).__name__}")
        fields = {f.name: f for f in schema.fields}
        for key in value:
            if key not in fields:
                known = ", ".join(fields)
                raise self.fail((*path, key), f"{schema.name} has no field {key!r} ({known})")
        for f in schema.fields:
            if f.required and f.name not in value:
                raise self.fail(path, f"missing {schema.name}'s required field {f.name!r}")
        for key, item in value.items():
            f = fields[key]
            where = (*path, key)
            if f.type == "object":
                self.check_example(item, schemas[f.ref or ""], schemas, where)
            elif f.type == "array":
                if not isinstance(item, list):
                    raise self.fail(where, f"expected a list, got {type(item).__name__}")
                for index, element in enumerate(item):
                    self.check_example(element, schemas[f.items or ""], schemas, (*where, index))
            else:
                problem = scalar_problem(f, item)
                if problem:
                    raise self.fail(where, problem)

    def check_schema_cycles(self, schemas: Mapping[str, Schema]) -> None:
        """A schema that nests itself, directly or through others, has no finite instance."""
        names = list(schemas)
        for start in names:
            trail = [start]
            stack = [(start, iter(schemas[start].refs))]
            while stack:
                name, refs = stack[-1]
                ref = next(refs, None)
                if ref is None:
                    stack.pop()
                    trail.pop()
                    continue
                if ref == start:
                    index, key = next(
                        (i, "ref" if f.ref == ref else "items")
                        for i, f in enumerate(schemas[name].fields)
                        if ref in (f.ref, f.items)
                    )
                    loop = " -> ".join([*trail, start])
                    raise self.fail(
                        ("schemas", name, "fields", index, key),
                        f"schema cycle {loop}: a schema cannot nest itself",
                    )
                if ref not in trail and ref in schemas:
                    trail.append(ref)
                    stack.append((ref, iter(schemas[ref].refs)))

    def check_defaults(self, raw: Mapping[str, Any]) -> None:
        """The shared runtime rules must make sense: every language takes them as they are."""
        for key in (
            "timeout_seconds",
            "lock_timeout_seconds",
            "store_max_bytes",
            "max_response_bytes",
        ):
            if raw[key] <= 0:
                raise self.fail(("defaults", key), f"must be positive, not {raw[key]}")
        for key in ("store_lease_seconds", "store_key_ttl_seconds"):
            if key in raw and raw[key] <= 0:
                raise self.fail(("defaults", key), f"must be positive, not {raw[key]}")
        for key in (
            "refresh_margin_seconds",
            "max_retries",
            "max_retry_wait_seconds",
            "announce_wait_seconds",
        ):
            if raw[key] < 0:
                raise self.fail(("defaults", key), f"must not be negative, not {raw[key]}")
        if raw["redacted_rotations"] < 0:
            raise self.fail(("defaults", "redacted_rotations"), "must not be negative")
        for index, status in enumerate(raw["retry_statuses"]):
            if not 500 <= status <= 599:
                raise self.fail(
                    ("defaults", "retry_statuses", index),
                    f"{status} is not a 5xx status (429 has rules of its own)",
                )
        for index, method in enumerate(raw["idempotent_methods"]):
            if not re.fullmatch(r"[A-Z]+", method):
                raise self.fail(
                    ("defaults", "idempotent_methods", index),
                    f"{method!r} is not an HTTP method in capitals (GET, PUT, ...)",
                )

    def check_session_ending_codes(
        self, codes: Mapping[str, ErrorCode], operations: Sequence[Operation]
    ) -> None:
        """``ends_session`` marks a verdict on a refresh token: a refresh must list the code."""
        refresh_errors = {c.code for op in operations if op.uses_stored_tokens for c in op.errors}
        for index, code in enumerate(codes.values()):
            if code.ends_session and code.code not in refresh_errors:
                raise self.fail(
                    ("error_codes", index, "ends_session"),
                    f"{code.code} ends a session, but no refresh operation lists it in `errors`",
                )

    def check_after_cycles(self, operations: Sequence[Operation]) -> None:
        """``after:`` chains must end: each operation runs after finitely many others."""
        by_id = {op.id: op for op in operations}
        for index, op in enumerate(operations):
            seen = [op.id]
            step = op
            while step.after is not None:
                if step.after in seen:
                    loop = " -> ".join([*seen, step.after])
                    raise self.fail(("operations", index, "after"), f"'after' cycle {loop}")
                seen.append(step.after)
                step = by_id[step.after]

    def check_contracts(self, spec: Spec, contracts: Sequence[Contract]) -> None:
        """Everything a target's runtime or templates name must be in the spec."""
        have: dict[str, tuple[YamlPath, set[str]]] = {
            "events": (("events",), {e.name for e in spec.events}),
            "operations": (("operations",), {op.id for op in spec.operations}),
            "environment": (("environment",), {v.name for v in spec.environment}),
            "schemas": (("schemas",), {s.name for s in spec.schemas}),
            "paths": (("operations",), {op.path for op in spec.operations}),
            "grants": (("operations",), {op.grant_type or "" for op in spec.operations}),
            "exceptions": (("exceptions",), {e.name for e in spec.exceptions}),
        }
        what = {
            "events": "event",
            "operations": "operation id",
            "environment": "environment variable",
            "schemas": "schema",
            "paths": "operation with path",
            "grants": "token operation with grant_type",
            "exceptions": "exception",
        }
        for contract in contracts:
            for table, (path, names) in have.items():
                for name in getattr(contract, table):
                    if name not in names:
                        raise self.fail(
                            path,
                            f"no {what[table]} {name!r}, which {contract.why} relies on"
                            f" (defined: {', '.join(sorted(n for n in names if n)) or 'none'})",
                        )

    def schema(self, name: str, raw: Mapping[str, Any]) -> Schema:
        self.unique(raw["fields"], "name", ("schemas", name, "fields"))
        fields = tuple(
            Field(
                f["name"],
                f["type"],
                f.get("required", False),
                f.get("needed", False),
                f.get("secret", False),
                f.get("ref"),
                f.get("items"),
                f["description"],
                tuple(f.get("enum", ())),
                f.get("format"),
                f.get("min_items"),
                self.origin(("schemas", name, "fields", index)),
            )
            for index, f in enumerate(raw["fields"])
        )
        return Schema(name, raw["description"], fields, self.origin(("schemas", name)))

    def param(self, raw: Mapping[str, Any], env: Mapping[str, EnvVar], path: YamlPath) -> Param:
        env_var = None
        if "env" in raw:
            env_var = self.lookup(env, raw["env"], "environment variable", (*path, "env"))
        return Param(
            name=raw["name"],
            location=raw["in"],
            type=raw["type"],
            required=raw.get("required", False),
            positional=raw.get("positional", False),
            secret=raw.get("secret", False),
            env=env_var,
            const=raw.get("const"),
            default=raw.get("default"),
            python_alias=raw.get("python_name"),
            from_auth=raw.get("from_auth"),
            from_client=raw.get("from_client", False),
            pkce=raw.get("pkce"),
            description=raw.get("description", ""),
            enum=tuple(raw.get("enum", ())),
            also_in=raw.get("also_in"),
            minimum=raw.get("minimum"),
            maximum=raw.get("maximum"),
            format=raw.get("format"),
            server_default=raw.get("server_default"),
            origin=self.origin(path),
        )

    def operation(
        self,
        raw: Mapping[str, Any],
        path: YamlPath,
        env: Mapping[str, EnvVar],
        schemas: Mapping[str, Schema],
        events: Mapping[str, Event],
        codes: Mapping[str, ErrorCode],
        param_sets: Mapping[str, tuple[Param, ...]],
        op_ids: Mapping[str, Any],
    ) -> Operation:
        params = [self.param(p, env, (*path, "params", i)) for i, p in enumerate(raw["params"])]
        for i, name in enumerate(raw.get("include", ())):
            params.extend(self.lookup(param_sets, name, "param set", (*path, "include", i)))
        seen: set[str] = set()
        for p in params:
            if p.name in seen:
                raise self.fail((*path, "params"), f"parameter {p.name!r} appears twice")
            seen.add(p.name)
        kind = raw["kind"]
        if kind == "token" and "grant_type" not in raw:
            raise self.fail(path, "a token operation needs 'grant_type'")
        if kind == "token" and "response" not in raw:
            raise self.fail(path, "a token operation needs 'response'")
        response = None
        if "response" in raw:
            response = self.lookup(schemas, raw["response"], "schema", (*path, "response"))
        success = error = None
        if "success_event" in raw:
            success = self.lookup(events, raw["success_event"], "event", (*path, "success_event"))
        if "error_event" in raw:
            error = self.lookup(events, raw["error_event"], "event", (*path, "error_event"))
        errors = tuple(
            self.lookup(codes, code, "error code", (*path, "errors", i))
            for i, code in enumerate(raw["errors"])
        )
        responses = tuple(
            Response(
                r["status"],
                r["description"],
                tuple(
                    self.lookup(codes, code, "error code", (*path, "responses", i, "codes", j))
                    for j, code in enumerate(r.get("codes", ()))
                ),
            )
            for i, r in enumerate(raw.get("responses", ()))
        )
        after = raw.get("after")
        if after is not None:
            self.lookup(op_ids, after, "operation", (*path, "after"))
        for p in params:
            if p.location == "path" and "{" + p.name + "}" not in raw["path"]:
                raise self.fail((*path, "path"), f"path has no '{{{p.name}}}' placeholder")
        has_ids = any(p.location == "path" for p in params)
        if kind == "api" and has_ids and not any(code.status == 404 for code in errors):
            known = ", ".join(c.code for c in codes.values() if c.status == 404) or "none"
            raise self.fail(
                (*path, "errors"),
                "an API operation with path parameters answers 404 for an id the platform"
                f" does not know: list a 404 error code ({known})",
            )
        if raw.get("form_variant") and kind != "browser":
            raise self.fail((*path, "form_variant"), "only a browser operation has a form variant")
        example = raw["example"]
        if response is not None and "response" in example:
            self.check_example(
                example["response"], response, schemas, (*path, "example", "response")
            )
        return Operation(
            id=raw["id"],
            summary=raw["summary"],
            description=raw["description"],
            deprecated=raw.get("deprecated"),
            method=raw["method"],
            path=raw["path"],
            kind=kind,
            grant_type=raw.get("grant_type"),
            params=tuple(params),
            response=response,
            success_event=success,
            error_event=error,
            errors=errors,
            example=Example(
                json.dumps(example["request"]),
                example["status"],
                json.dumps(example.get("response")),
            ),
            after=after,
            responses=responses,
            form_variant=raw.get("form_variant", False),
            origin=self.origin(path),
        )


_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


def scalar_problem(f: Field, value: Any) -> str | None:
    """What is wrong with ``value`` as field ``f`` of an example (None: nothing)."""
    kinds = _SCALARS[f.type]
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        return f"expected {f.type}, got {type(value).__name__} {value!r}"
    if f.enum and value not in f.enum:
        return f"{value!r} is not one of {', '.join(f.enum)}"
    if f.format == "uri" and not re.match(r"[a-z][a-z0-9+.-]*://[^\s/]+", str(value)):
        return f"{value!r} is not a uri"
    if f.format == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+", str(value)):
        return f"{value!r} is not an email address"
    if f.format == "date-time" and not re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", str(value)
    ):
        return f"{value!r} is not an RFC 3339 date-time"
    return None
