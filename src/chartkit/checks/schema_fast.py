"""The fast answer to "is this object valid?", from jsonschema-rs (Rust).

Nearly every rendered object is valid, and jsonschema-rs says so some hundred times faster
than jsonschema, from the same schemas. It only answers yes or no: for an object it does
not accept, chartkit.checks.schema asks jsonschema for every problem, so what is reported
never depends on this module. Anything jsonschema-rs cannot take (a schema it refuses, a
value that is not JSON such as a YAML date) also gets no for an answer.

For "yes" to be trusted, jsonschema-rs must never accept what jsonschema refuses. Both
implement the drafts alike, except for regular expressions: jsonschema matches `pattern`
with Python's re, jsonschema-rs with an ECMA-262 engine (no inline flags such as `(?i)`,
`$` only at the very end). So every `pattern` keyword is handed to jsonschema-rs as a
keyword of our own that matches with Python's re.search, as jsonschema does.
(patternProperties keys stay with jsonschema-rs: the charts' are plain ASCII classes.)

The schemas jsonschema-rs gets also leave out what validates nothing (descriptions, the
x-kubernetes-* annotations): a core kind's unit (chartkit.checks.schema_units) and a CRD's
schema are kept so in the disk cache, as JSON text, keyed by their sources and this
module's code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema_rs

from chartkit.checks.schema_sources import DEFINITIONS_URI, SchemaSources
from chartkit.checks.schema_units import CoreUnits, ForeignReference, Units
from chartkit.tools.disk_cache import digest

OBJECT_META = f"{DEFINITIONS_URI}#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
POD_TEMPLATE_SPEC = f"{DEFINITIONS_URI}#/$defs/io.k8s.api.core.v1.PodTemplateSpec"
# Custom resources that embed a pod template: it is also checked as core PodTemplateSpec,
# since a CRD may describe it more loosely than Kubernetes does.
EMBEDDED_POD_TEMPLATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("argoproj.io/v1alpha1", "Rollout"): ("spec", "template"),
}


PYTHON_PATTERN = "x-chartkit-python-pattern"
# Keywords whose value is data, not a schema: never rewritten.
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples", "example", "required"})
_ANNOTATION = "x-kubernetes-"
# Keywords whose value maps names to schemas.
_SCHEMA_MAPS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)


class PythonPattern:
    """The `pattern` keyword, as jsonschema checks it (re.search on strings)."""

    def __init__(self, _parent_schema: Any, value: str, _schema_path: Any) -> None:
        # jsonschema-rs passes (parent schema, the keyword's value, its path) by position
        self.pattern = value  # compiled when a string comes by, as jsonschema does

    def validate(self, instance: Any) -> None:
        if not isinstance(instance, str):
            return
        try:
            matched = re.search(self.pattern, instance)
        except re.error:
            matched = None  # jsonschema decides (and says what is wrong)
        if not matched:
            raise ValueError("does not match")


def fast_schema(node: Any) -> Any:
    """A copy of a schema for jsonschema-rs: each `pattern` keyword renamed to
    PYTHON_PATTERN, descriptions and x-kubernetes-* annotations left out."""
    if isinstance(node, list):
        return [fast_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted: dict[str, Any] = {}
    for key, value in node.items():
        if key == "pattern" and isinstance(value, str):
            converted[PYTHON_PATTERN] = value
        elif (key == "description" and isinstance(value, str)) or key.startswith(_ANNOTATION):
            continue
        elif key in _DATA_KEYWORDS:
            converted[key] = value
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            converted[key] = {name: fast_schema(child) for name, child in value.items()}
        else:
            converted[key] = fast_schema(value)
    return converted


def compile_fast(schema: dict[str, Any] | str) -> Any:
    """A jsonschema-rs validator that checks what jsonschema checks: formats are not
    asserted, patterns match as in Python. A dict goes through fast_schema first; a str is
    a schema that went through it already, as JSON text (as_text), which jsonschema-rs
    parses itself, faster than Python builds the dict and hands it over. None when
    jsonschema-rs refuses the schema."""
    cls = jsonschema_rs.validator_cls_for(schema) if "$schema" in schema else None
    cls = cls or jsonschema_rs.Draft202012Validator
    try:
        return cls(
            schema if isinstance(schema, str) else fast_schema(schema),
            validate_formats=False,
            keywords={PYTHON_PATTERN: PythonPattern},
        )
    except Exception:  # a schema it refuses: jsonschema decides every object
        return None


def as_text(schema: Any) -> str:
    """A prepared schema as the JSON text compile_fast takes."""
    return json.dumps(schema, separators=(",", ":"))


def fast_is_valid(validator: Any, instance: Any) -> bool:
    if validator is None:
        return False
    try:
        return bool(validator.is_valid(instance))
    except Exception:  # not JSON (a YAML date, a non-string key): jsonschema decides
        return False


class FastSchemas:
    """jsonschema-rs validators for every kind and Kubernetes version, compiled once: a
    CRD's once for all versions (its schema is the same), a core kind's once per distinct
    unit (chartkit.checks.schema_units)."""

    def __init__(self, kube_versions: list[str], sources: SchemaSources) -> None:
        self.kube_versions = list(kube_versions)
        self.sources = sources
        self._units: CoreUnits | None = None
        self._validators: dict[tuple[str, str, str], Any] = {}

    @property
    def units(self) -> CoreUnits:
        if self._units is None:
            self._units = CoreUnits(self.kube_versions, self.sources, fast_schema, as_text)
        return self._units

    def prepare(self, api_version: str, kind: str) -> None:
        """Compile what an object of this kind needs, for every version (before it comes)."""
        custom = self.sources.is_custom_resource(api_version, kind)
        for kube_version in self.kube_versions:
            self._validator(kube_version, api_version, kind)
            if custom:
                self._ref_validator(kube_version, OBJECT_META)
                if (api_version, kind) in EMBEDDED_POD_TEMPLATES:
                    self._ref_validator(kube_version, POD_TEMPLATE_SPEC)

    def kinds(self) -> set[tuple[str, str]]:
        """(apiVersion, kind) of every validator compiled so far."""
        return {(api, kind) for _, api, kind in self._validators if kind != "$ref"}

    def is_valid(self, obj: dict[str, Any]) -> bool:
        """True only when the object is valid for every Kubernetes version."""
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            return False
        custom = self.sources.is_custom_resource(api_version, kind)
        template_path = EMBEDDED_POD_TEMPLATES.get((api_version, kind)) if custom else None
        template: Any = obj
        for key in template_path or ():
            template = (template or {}).get(key)
        for kube_version in self.kube_versions:
            if not fast_is_valid(self._validator(kube_version, api_version, kind), obj):
                return False
            if custom and not self._refs_valid(kube_version, obj, template_path, template):
                return False
        return True

    def _validator(self, kube_version: str, api_version: str, kind: str) -> Any:
        custom = self.sources.is_custom_resource(api_version, kind)
        key = ("" if custom else kube_version, api_version, kind)
        if key not in self._validators:
            if custom:
                schema = self._crd_schema(api_version, kind)
                self._validators[key] = compile_fast(schema) if schema is not None else None
            else:
                self._compile_units(
                    api_version, kind, lambda: self.units.of_kind(api_version, kind)
                )
        return self._validators[key]

    def _compile_units(self, api_version: str, kind: str, units: Callable[[], Units]) -> None:
        """The validator of every version, each distinct unit compiled once; None for all
        when a unit cannot be built (jsonschema then decides, and says why)."""
        try:
            found = units()
        except ForeignReference:
            found = {"units": [], "versions": [None] * len(self.kube_versions)}
        compiled = [compile_fast(text) for text in found["units"]]
        for kube_version, index in zip(self.kube_versions, found["versions"], strict=True):
            validator = compiled[index] if index is not None else None
            self._validators[(kube_version, api_version, kind)] = validator

    def _crd_schema(self, api_version: str, kind: str) -> str | None:
        """A CRD's strict schema as fast_schema gives it, in JSON text, from an entry of its
        own in the disk cache (one kind's schema, without descriptions: quick to read)."""

        def build() -> str | None:
            schema = self.sources.crd_schema(api_version, kind)
            return None if schema is None else as_text(fast_schema(schema))

        name = re.sub(r"[^A-Za-z0-9.-]", "_", f"crd-{api_version}-{kind}")
        key = digest([self.sources.crd_key, Path(__file__).read_bytes()])
        return self.sources.disk_cache.json(name, key, build)

    def _refs_valid(
        self, kube_version: str, obj: dict[str, Any], template_path: Any, template: Any
    ) -> bool:
        meta = self._ref_validator(kube_version, OBJECT_META)
        if not fast_is_valid(meta, obj.get("metadata") or {}):
            return False
        if template_path and isinstance(template, dict):
            return fast_is_valid(self._ref_validator(kube_version, POD_TEMPLATE_SPEC), template)
        return True

    def _ref_validator(self, kube_version: str, uri: str) -> Any:
        key = (kube_version, uri, "$ref")
        if key not in self._validators:
            self._compile_units(uri, "$ref", lambda: self.units.of_ref(uri))
        return self._validators[key]
