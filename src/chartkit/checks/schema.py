"""Schema validation of rendered objects, strict: an unknown field is an error.

- Core Kubernetes kinds: kubernetes-validate's strict JSON schemas, for each Kubernetes
  minor the repository claims (ci/tools.json: validate_kubernetes).
- Custom resources: the openAPIV3Schema of the upstream CRDs kept in ci/crds, made strict
  by chartkit.checks.crd_schema; their metadata is checked as core ObjectMeta.
- A kind with no schema at all is an error.

Each schema is compiled once per SchemaValidator (one per process is enough).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

from chartkit.checks.crd_schema import strict_schema
from chartkit.releases.crds import read_crds, served_versions
from chartkit.releases.manifest import Object, describe

_CORE_SCHEMA_PACKAGE = "kubernetes_validate"
_OBJECT_META = "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_POD_TEMPLATE_SPEC = (
    "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.api.core.v1.PodTemplateSpec"
)
# Custom resources that embed a pod template: it is also checked as core PodTemplateSpec,
# since a CRD may describe it more loosely than Kubernetes does.
_EMBEDDED_POD_TEMPLATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("argoproj.io/v1alpha1", "Rollout"): ("spec", "template"),
}
MAX_ERRORS_PER_OBJECT = 20


@dataclass(frozen=True)
class SchemaProblem:
    kube_version: str
    object: str  # Kind/name
    path: str  # dotted field path, "" for the object itself
    message: str

    def __str__(self) -> str:
        where = f"{self.object} {self.path}".strip() if self.path else self.object
        return f"[k8s {self.kube_version}] {where}: {self.message}"


def core_schema_dir(kube_version: str) -> Path:
    import kubernetes_validate

    base = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    directory = base / f"v{kube_version}.0-local-strict"
    if not directory.is_dir():
        have = sorted(p.name for p in base.iterdir() if p.name.endswith("-strict"))
        raise ValueError(f"kubernetes-validate has no strict schemas for {kube_version}: {have}")
    return directory


class SchemaValidator:
    """Validates objects against core schemas for several Kubernetes minors and CRDs."""

    def __init__(self, kube_versions: list[str], crd_dir: Path) -> None:
        self.kube_versions = list(kube_versions)
        self.crd_dir = crd_dir
        self._validators: dict[tuple[str, str, str], jsonschema.protocols.Validator | None] = {}
        self._registries: dict[str, Registry] = {}

    # -- schema loading -----------------------------------------------------------------

    def _registry(self, kube_version: str) -> Registry:
        if kube_version not in self._registries:
            definitions = json.loads(
                (core_schema_dir(kube_version) / "_definitions.json").read_text()
            )
            self._registries[kube_version] = Resource.from_contents(definitions) @ Registry()
        return self._registries[kube_version]

    @cached_property
    def _crd_schemas(self) -> dict[tuple[str, str], dict[str, Any]]:
        """(apiVersion, kind) -> strict JSON Schema, for every served CRD version."""
        schemas: dict[tuple[str, str], dict[str, Any]] = {}
        for crd in read_crds(self.crd_dir):
            spec = crd["spec"]
            for version in served_versions(crd):
                openapi = (version.get("schema") or {}).get("openAPIV3Schema")
                if openapi is None:
                    continue
                schema = strict_schema(openapi)
                # metadata is checked separately, as core ObjectMeta
                schema.setdefault("properties", {})["metadata"] = {"type": "object"}
                schemas[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = schema
        return schemas

    def _core_schema_file(self, kube_version: str, api_version: str, kind: str) -> Path:
        # rbac.authorization.k8s.io/v1 -> rbac-v1; v1 -> v1
        short = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
        return core_schema_dir(kube_version) / f"{kind.lower()}-{short}.json"

    def _validator(self, kube_version: str, api_version: str, kind: str):
        key = (kube_version, api_version, kind)
        if key not in self._validators:
            registry = self._registry(kube_version)
            crd = self._crd_schemas.get((api_version, kind))
            if crd is not None:
                validator = jsonschema.Draft202012Validator(crd)
            else:
                path = self._core_schema_file(kube_version, api_version, kind)
                if path.exists():
                    validator = jsonschema.Draft202012Validator(
                        json.loads(path.read_text()), registry=registry
                    )
                else:
                    validator = None
            self._validators[key] = validator
        return self._validators[key]

    @cached_property
    def _object_meta_validators(self) -> dict[str, Any]:
        return {
            v: jsonschema.Draft202012Validator({"$ref": _OBJECT_META}, registry=self._registry(v))
            for v in self.kube_versions
        }

    @cached_property
    def _pod_template_validators(self) -> dict[str, Any]:
        return {
            v: jsonschema.Draft202012Validator(
                {"$ref": _POD_TEMPLATE_SPEC}, registry=self._registry(v)
            )
            for v in self.kube_versions
        }

    def is_custom_resource(self, obj: Object) -> bool:
        return (obj.get("apiVersion"), obj.get("kind")) in self._crd_schemas

    # -- validation ---------------------------------------------------------------------

    def validate(self, obj: Object) -> list[SchemaProblem]:
        """Every schema problem of one object, for every Kubernetes version."""
        problems: list[SchemaProblem] = []
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            return [SchemaProblem("-", describe(obj), "", "apiVersion and kind are required")]
        for kube_version in self.kube_versions:
            validator = self._validator(kube_version, api_version, kind)
            if validator is None:
                problems.append(
                    SchemaProblem(
                        kube_version,
                        describe(obj),
                        "",
                        f"unknown kind: no schema for {kind} in {api_version} (neither a "
                        f"Kubernetes {kube_version} kind nor a CRD in {self.crd_dir.name}/)",
                    )
                )
                continue
            errors = list(validator.iter_errors(obj))
            if self.is_custom_resource(obj):
                meta_validator = self._object_meta_validators[kube_version]
                for error in meta_validator.iter_errors(obj.get("metadata") or {}):
                    error.path.appendleft("metadata")
                    errors.append(error)
                template_path = _EMBEDDED_POD_TEMPLATES.get((api_version, kind))
                template: Any = obj
                for key in template_path or ():
                    template = (template or {}).get(key)
                if template_path and isinstance(template, dict):
                    seen = {(tuple(e.absolute_path), e.message) for e in errors}
                    for error in self._pod_template_validators[kube_version].iter_errors(template):
                        error.path.extendleft(reversed(template_path))
                        if (tuple(error.absolute_path), error.message) not in seen:
                            errors.append(error)
            for error in sorted(errors, key=lambda e: list(map(str, e.absolute_path)))[
                :MAX_ERRORS_PER_OBJECT
            ]:
                problems.append(
                    SchemaProblem(
                        kube_version, describe(obj), _dotted(error.absolute_path), _message(error)
                    )
                )
        return problems

    def validate_all(self, objects: list[Object]) -> list[SchemaProblem]:
        problems: list[SchemaProblem] = []
        for obj in objects:
            problems.extend(self.validate(obj))
        return problems


def _dotted(path: Any) -> str:
    parts: list[str] = []
    for item in path:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        return f"unknown field(s): {error.message.split('(')[-1].rstrip(')')}"
    if error.validator in ("oneOf", "anyOf") and error.context:
        best = jsonschema.exceptions.best_match(error.context)
        return best.message
    return error.message
