"""The OpenAPI target: the spec as an OpenAPI 3.1 document, built as data and dumped as YAML.

Structured output is never written as template text: a mapping cannot get a key twice, and
every string is quoted by the YAML emitter, whatever it contains.
"""

from __future__ import annotations

from typing import Any

import yaml

from generator import names
from generator.load import CachedResolver
from generator.model import Endpoint, Field, Operation, Param, Spec
from generator.targets import Target


def operation_id(endpoint: Endpoint) -> str:
    """One id for the endpoint: the operation's, or ``getToken``-style for a shared one."""
    if len(endpoint.operations) == 1:
        return endpoint.operations[0].id
    return "get" + names.python_class(endpoint.path.rsplit("/", 1)[-1])


def request_schema(op: Operation) -> str:
    """The name of an operation's form body schema (``LoginJwtRequest``)."""
    return names.python_class(op.id) + "Request"


def errors_by_status(endpoint: Endpoint) -> list[tuple[int, list[str], list[str]]]:
    """``(status, codes, descriptions)`` of the answers its operations list, by status.

    A code that an operation's ``responses`` place at another status is listed there only.
    """
    found: dict[int, tuple[list[str], list[str]]] = {}
    for op in endpoint.operations:
        moved = {code.code for r in op.responses for code in r.codes}
        for error in op.errors:
            if error.code not in moved:
                codes = found.setdefault(error.status, ([], []))[0]
                if error.code not in codes:
                    codes.append(error.code)
        for response in op.responses:
            codes, texts = found.setdefault(response.status, ([], []))
            codes.extend(c.code for c in response.codes if c.code not in codes)
            if response.description not in texts:
                texts.append(response.description)
    return sorted((status, codes, texts) for status, (codes, texts) in found.items())


def field_schema(f: Field) -> dict[str, Any]:
    if f.type == "object":
        return {"$ref": f"#/components/schemas/{f.ref}"}
    if f.type == "array":
        items = {"$ref": f"#/components/schemas/{f.items}"}
        out: dict[str, Any] = {"type": "array", "items": items}
        if f.min_items is not None:
            out["minItems"] = f.min_items
        return out
    schema: dict[str, Any] = {"type": f.type}
    if f.enum:
        schema["enum"] = list(f.enum)
    if f.format:
        schema["format"] = f.format
    return schema


def constraints(p: Param) -> dict[str, Any]:
    """A parameter's format, bounds and the platform's default, as JSON Schema keywords."""
    out: dict[str, Any] = {}
    if p.format:
        out["format"] = p.format
    if p.minimum is not None:
        out["minimum"] = p.minimum
    if p.maximum is not None:
        out["maximum"] = p.maximum
    if p.server_default is not None:
        out["default"] = p.server_default
    return out


def parameter(p: Param, location: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": p.type, **constraints(p)}
    if p.const or p.enum:
        schema["enum"] = list(p.enum or (p.const,))
    if p.default:
        schema["default"] = p.default
    where = location or p.location
    return {
        "name": p.name,
        "in": where,
        "required": where == "path" or (p.required and where == p.location),
        "description": p.description,
        "schema": schema,
    }


def request_body(endpoint: Endpoint) -> dict[str, Any]:
    ops = endpoint.operations
    schema: dict[str, Any]
    if len(ops) == 1:
        schema = {"$ref": f"#/components/schemas/{request_schema(ops[0])}"}
    else:
        schema = {
            "oneOf": [{"$ref": f"#/components/schemas/{request_schema(op)}"} for op in ops],
            "discriminator": {
                "propertyName": "grant_type",
                "mapping": {
                    op.grant_type: f"#/components/schemas/{request_schema(op)}"
                    for op in ops
                    if op.grant_type
                },
            },
        }
    examples = {op.id: {"value": op.example.request} for op in ops if op.form_params}
    form = {"schema": schema, "examples": examples}
    # A body is required when some operation needs a form field (grant_type at least).
    required = any(op.grant_type or op.required_form_fields for op in ops)
    return {"required": required, "content": {"application/x-www-form-urlencoded": form}}


def responses(spec: Spec, endpoint: Endpoint) -> dict[str, Any]:
    first = endpoint.operations[0]
    out: dict[str, Any] = {}
    status = str(first.example.status)
    if first.kind == "browser":
        out[status] = {
            "description": (
                "Redirect to the login page, then back to the redirect URI with the code."
            ),
            "headers": {"Location": {"schema": {"type": "string"}}},
        }
    elif first.response:
        examples = {op.id: {"value": op.example.response} for op in endpoint.operations}
        out[status] = {
            "description": "Success.",
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{first.response.name}"},
                    "examples": examples,
                }
            },
        }
    else:
        out[status] = {"description": "Success (no body)."}
    for code_status, codes, texts in errors_by_status(endpoint):
        prose = [*texts, *(["Codes: " + ", ".join(codes) + "."] if codes else [])]
        out[str(code_status)] = {
            "description": " ".join(prose),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
        }
    return out


def path_item(spec: Spec, endpoint: Endpoint) -> dict[str, Any]:
    ops = endpoint.operations
    first = ops[0]
    item: dict[str, Any] = {"operationId": operation_id(endpoint)}
    if len(ops) == 1:
        item["summary"] = first.summary
        item["description"] = first.description
    else:
        summaries = "; ".join(op.summary for op in ops)
        item["summary"] = f"One endpoint for {len(ops)} grants: {summaries}"
    item["x-rcsdk-operations"] = [op.id for op in ops]
    if first.sends_client_auth:
        item["security"] = [{"ClientBasic": []}, {}]
    elif first.kind == "api":
        item["security"] = [{"Bearer": []}]
    else:
        item["security"] = []
    parameters = [parameter(p) for p in endpoint.params if p.location != "form"]
    parameters += [parameter(p, p.also_in) for p in endpoint.params if p.also_in]
    if parameters:
        item["parameters"] = parameters
    if any(op.form_params for op in ops):
        item["requestBody"] = request_body(endpoint)
    item["responses"] = responses(spec, endpoint)
    return item


def form_variant(spec: Spec, endpoint: Endpoint, op: Operation) -> dict[str, Any]:
    """``POST path``: the browser operation's query parameters, as a form body."""
    properties: dict[str, Any] = {}
    for p in op.query_params:
        prop: dict[str, Any] = {"type": p.type, "description": p.description, **constraints(p)}
        if p.const or p.enum:
            prop["enum"] = list(p.enum or (p.const,))
        properties[p.name] = prop
    required = [p.name for p in op.query_params if p.required]
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return {
        "operationId": op.id + "Form",
        "summary": f"{op.summary} (the same parameters, as a form body)",
        "x-rcsdk-form-variant-of": op.id,
        "security": [],
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        },
        "responses": {
            **responses(spec, endpoint),
            "415": {
                "description": "The body is not `application/x-www-form-urlencoded`"
                " (`invalid_request`).",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
                },
            },
        },
    }


def form_schema(spec: Spec, op: Operation) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "description": f"Form body of {op.id}: {op.summary}.",
    }
    if op.deprecated:
        schema["deprecated"] = True
    required = (["grant_type"] if op.grant_type else []) + list(op.required_form_fields)
    if required:
        schema["required"] = required
    properties: dict[str, Any] = {}
    if op.grant_type:
        properties["grant_type"] = {"type": "string", "const": op.grant_type}
    for p in op.form_params:
        prop: dict[str, Any] = {"type": p.type, "description": p.description, **constraints(p)}
        if p.enum:
            prop["enum"] = list(p.enum)
        if p.secret:
            prop["format"] = "password"
        properties[p.name] = prop
    properties["client_id"] = {"type": "string", "description": spec.client_auth.public}
    if op.sends_client_auth and spec.client_auth.assertion:
        properties["client_assertion_type"] = {
            "type": "string",
            "enum": [spec.client_auth.assertion_type],
            "description": "Client authentication by signed JWT (RFC 7523 section 2.2).",
        }
        properties["client_assertion"] = {
            "type": "string",
            "format": "password",
            "description": spec.client_auth.assertion,
        }
    schema["properties"] = properties
    return schema


def document(spec: Spec) -> dict[str, Any]:
    """The OpenAPI 3.1 document, as plain data."""
    paths: dict[str, Any] = {}
    for endpoint in spec.endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = path_item(spec, endpoint)
    for endpoint in spec.endpoints:
        for op in endpoint.operations:
            if op.form_variant:
                paths[op.path]["post"] = form_variant(spec, endpoint, op)
    schemas: dict[str, Any] = {}
    for s in spec.schemas:
        schema: dict[str, Any] = {"type": "object", "description": s.description}
        required = [f.name for f in s.fields if f.required]
        if required:
            schema["required"] = required
        schema["properties"] = {
            f.name: {"description": f.description, **field_schema(f)} for f in s.fields
        }
        schemas[s.name] = schema
    for op in spec.operations:
        if op.form_params:
            schemas[request_schema(op)] = form_schema(spec, op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": spec.info.title,
            "version": spec.info.version,
            "summary": spec.info.summary,
            "description": f"{spec.client_auth.confidential} {spec.client_auth.public}",
        },
        "servers": [
            {
                "url": s.url,
                "description": s.description + (f" Retired: {s.retired}" if s.retired else ""),
            }
            for s in spec.servers
        ],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "ClientBasic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": spec.client_auth.confidential,
                },
                "Bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The access token of a login.",
                },
            },
            "schemas": schemas,
        },
    }


class OpenAPI(Target):
    name = "openapi"
    description = "generated/openapi.yaml: the spec as OpenAPI 3.1 (data, dumped as YAML)"
    comments = ((".yaml", "#"),)

    def data(self, spec: Spec) -> dict[str, str]:
        text = yaml.dump(
            document(spec),
            Dumper=_Dumper,
            sort_keys=False,
            allow_unicode=True,
            width=100,
            default_flow_style=False,
        )
        return {"openapi.yaml": text}


# libyaml's emitter (in PyYAML's wheels) is about twenty times faster than the pure-Python one
# and writes the same bytes; the pure-Python one stands in where PyYAML was built without it.
_Base: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_STR, _BOOL, _INT, _NULL = (f"tag:yaml.org,2002:{name}" for name in ("str", "bool", "int", "null"))
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class _Dumper(CachedResolver, _Base):  # type: ignore[misc,valid-type]
    """The safe dumper, with the representer's general path (alias bookkeeping, a dispatch per
    value) skipped for the plain data a document is made of, and implicit tags resolved once
    per distinct scalar: the same nodes, so the same bytes, several times faster. A document
    holds no object twice, so it needs no aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def represent_data(self, data: Any) -> yaml.Node:
        kind = type(data)
        if kind is str:
            return yaml.ScalarNode(_STR, data)
        if kind is dict:
            pairs = [(self.represent_data(k), self.represent_data(v)) for k, v in data.items()]
            return yaml.MappingNode(_MAP, pairs, flow_style=False)
        if kind is list:
            return yaml.SequenceNode(_SEQ, [self.represent_data(v) for v in data], flow_style=False)
        if kind is bool:
            return yaml.ScalarNode(_BOOL, "true" if data else "false")
        if kind is int:
            return yaml.ScalarNode(_INT, str(data))
        if data is None:
            return yaml.ScalarNode(_NULL, "null")
        node: yaml.Node = super().represent_data(data)
        return node


TARGET = OpenAPI()
