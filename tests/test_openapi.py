"""generated/openapi.yaml: the same contract for other tools, valid OpenAPI 3.1."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from generator.targets.openapi import request_schema

from _support import ROOT, SPEC

DOCUMENT: dict[str, Any] = yaml.safe_load((ROOT / "generated" / "openapi.yaml").read_text())


class StrictLoader(yaml.SafeLoader):
    """A loader that refuses a key given twice in one mapping (PyYAML keeps the last)."""


def _no_duplicates(loader: StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def test_it_has_no_duplicate_keys() -> None:
    text = (ROOT / "generated" / "openapi.yaml").read_text()
    assert yaml.load(text, Loader=StrictLoader) == DOCUMENT
    with pytest.raises(yaml.constructor.ConstructorError, match="duplicate key 'schema'"):
        yaml.load("a:\n  schema: 1\n  schema: 2\n", Loader=StrictLoader)


def test_it_is_valid_openapi_3_1() -> None:
    assert DOCUMENT["openapi"] == "3.1.0"
    validate(DOCUMENT)


def test_the_validator_rejects_a_broken_document() -> None:
    broken = copy.deepcopy(DOCUMENT)
    broken["paths"]["/restapi/oauth/token"]["post"]["responses"] = "none"
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_every_operation_and_server_is_there() -> None:
    listed = [
        op_id
        for path in DOCUMENT["paths"].values()
        for operation in path.values()
        for op_id in operation.get("x-rcsdk-operations", ())
    ]
    variants = [
        o["x-rcsdk-form-variant-of"]
        for p in DOCUMENT["paths"].values()
        for o in p.values()
        if "x-rcsdk-form-variant-of" in o
    ]
    assert variants == [op.id for op in SPEC.operations if op.form_variant]
    assert sorted(listed) == sorted(op.id for op in SPEC.operations)
    assert [s["url"] for s in DOCUMENT["servers"]] == [s.url for s in SPEC.servers]


def test_grant_bodies_match_the_model() -> None:
    token = DOCUMENT["paths"]["/restapi/oauth/token"]["post"]
    schema = token["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    mapping = schema["discriminator"]["mapping"]
    for op in SPEC.ops_of_kind("token"):
        body = DOCUMENT["components"]["schemas"][request_schema(op)]
        assert mapping[op.grant_type].endswith("/" + request_schema(op))
        assert body["properties"]["grant_type"]["const"] == op.grant_type
        assert set(body["required"]) == {"grant_type"} | {
            p.name for p in op.form_params if p.required
        }
        assert body.get("deprecated", False) == bool(op.deprecated)


def test_token_info_lists_its_required_fields() -> None:
    token_info = DOCUMENT["components"]["schemas"]["TokenInfo"]
    assert token_info["required"] == [f.name for f in SPEC.schema("TokenInfo").fields if f.required]


def test_request_examples_come_from_the_spec() -> None:
    for op in SPEC.operations:
        if not op.form_params:
            continue
        body = DOCUMENT["paths"][op.path][op.method.lower()]["requestBody"]
        examples = body["content"]["application/x-www-form-urlencoded"]["examples"]
        assert examples[op.id]["value"] == op.example.request
