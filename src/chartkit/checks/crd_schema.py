"""Turn a CRD's openAPIV3Schema into a strict JSON Schema.

The API server prunes fields a structural schema does not declare; a chart that writes
such a field has a typo that silently does nothing. Here they are errors instead:

- an object node that declares `properties` gets `additionalProperties: false`, unless it
  carries `x-kubernetes-preserve-unknown-fields: true` or its own `additionalProperties`;
- `x-kubernetes-int-or-string: true` accepts an integer or a string;
- `nullable: true` also accepts null;
- `x-kubernetes-embedded-resource: true` also accepts apiVersion, kind and metadata.

Only nodes reached through properties, items and additionalProperties are made strict;
the branches of allOf/anyOf/oneOf/not only restate constraints in a structural schema.
CEL rules (x-kubernetes-validations) are not evaluated.
"""

from __future__ import annotations

import copy
from typing import Any

Schema = dict[str, Any]

_TYPE_OF_JSON = {"integer", "number", "string", "boolean", "array", "object"}


def strict_schema(openapi: Schema) -> Schema:
    """A strict JSON Schema (draft 2020-12 compatible) for one CRD version."""
    return _convert(copy.deepcopy(openapi))


def _convert(node: Schema) -> Schema:
    if not isinstance(node, dict):
        return node
    preserve = node.pop("x-kubernetes-preserve-unknown-fields", False) is True
    if node.pop("x-kubernetes-int-or-string", False) is True:
        node.pop("anyOf", None)
        node["type"] = ["integer", "string"]
    if node.pop("x-kubernetes-embedded-resource", False) is True:
        props = node.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
    if node.pop("nullable", False) is True:
        if isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        elif isinstance(node.get("type"), list) and "null" not in node["type"]:
            node["type"] = [*node["type"], "null"]
    for key in [k for k in node if k.startswith("x-kubernetes-")]:
        node.pop(key)
    if "properties" in node:
        node["properties"] = {name: _convert(child) for name, child in node["properties"].items()}
        if not preserve and "additionalProperties" not in node:
            node["additionalProperties"] = False
    if isinstance(node.get("additionalProperties"), dict):
        node["additionalProperties"] = _convert(node["additionalProperties"])
    if isinstance(node.get("items"), dict):
        node["items"] = _convert(node["items"])
    if node.get("type") not in (None, *_TYPE_OF_JSON) and not isinstance(node.get("type"), list):
        node.pop("type")
    return node
