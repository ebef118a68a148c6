"""Schema validation of rendered objects, strict: an unknown field is an error.

- Core Kubernetes kinds: kubernetes-validate's strict JSON schemas, for each Kubernetes
  minor the repository claims (ci/tools.json: validate_kubernetes).
- Custom resources: the openAPIV3Schema of the upstream CRDs kept in ci/crds, made strict
  by chartkit.checks.crd_schema; their metadata is checked as core ObjectMeta.
- A kind with no schema at all is an error.

Each object is first put to jsonschema-rs (chartkit.checks.schema_fast), which answers
valid or not in microseconds; only an object it refuses is checked by jsonschema, whose
errors are the problems reported. Each schema is compiled once per SchemaValidator (one
per process is enough), and only when an object of its kind needs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chartkit.checks.schema_fast import (
    EMBEDDED_POD_TEMPLATES,
    OBJECT_META,
    POD_TEMPLATE_SPEC,
    FastSchemas,
)
from chartkit.checks.schema_sources import SchemaSources, core_schema_dir
from chartkit.releases.manifest import Object, describe
from chartkit.tools.disk_cache import DiskCache

if TYPE_CHECKING:
    import jsonschema

__all__ = ["MAX_ERRORS_PER_OBJECT", "SchemaProblem", "SchemaValidator", "core_schema_dir"]
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


class SchemaValidator:
    """Validates objects against core schemas for several Kubernetes minors and CRDs.

    An object that jsonschema-rs accepts for every version has no problem; any other is
    checked again by jsonschema, whose errors are the problems reported.
    """

    def __init__(
        self, kube_versions: list[str], crd_dir: Path, disk_cache: DiskCache | None = None
    ) -> None:
        self.kube_versions = list(kube_versions)
        self.crd_dir = crd_dir
        self.sources = SchemaSources(crd_dir, disk_cache or _repository_cache(crd_dir))
        self.fast = FastSchemas(self.kube_versions, self.sources)
        self._validators: dict[tuple[str, str, str], jsonschema.protocols.Validator | None] = {}
        self._registries: dict[str, Any] = {}

    # -- getting ready while helm renders ---------------------------------------------------

    def warm_up(self, kinds: Iterable[tuple[str, str]]) -> Iterator[str]:
        """Steps that make the first validations faster, a few milliseconds each, to run
        while waiting for helm: the validators of these (apiVersion, kind)s."""
        try:
            for api_version, kind in kinds:
                self.fast.prepare(api_version, kind)
                yield f"{api_version} {kind}"
        except ValueError:
            return  # an unknown version: validate() says so

    # -- jsonschema, for the errors of an object jsonschema-rs refused ----------------------

    def _registry(self, kube_version: str) -> Any:
        from referencing import Registry, Resource

        if kube_version not in self._registries:
            definitions = self.sources.definitions(kube_version)
            self._registries[kube_version] = Resource.from_contents(definitions) @ Registry()
        return self._registries[kube_version]

    def _validator(self, kube_version: str, api_version: str, kind: str) -> Any:
        import jsonschema

        key = (kube_version, api_version, kind)
        if key not in self._validators:
            crd = self.sources.crd_schema(api_version, kind)
            if crd is not None:
                validator = jsonschema.Draft202012Validator(crd)
            else:
                schema = self.sources.core_schema(kube_version, api_version, kind)
                validator = None
                if schema is not None:
                    registry = self._registry(kube_version)
                    validator = jsonschema.Draft202012Validator(schema, registry=registry)
            self._validators[key] = validator
        return self._validators[key]

    @cached_property
    def _object_meta_validators(self) -> dict[str, Any]:
        return {v: self._ref_validator(v, OBJECT_META) for v in self.kube_versions}

    @cached_property
    def _pod_template_validators(self) -> dict[str, Any]:
        return {v: self._ref_validator(v, POD_TEMPLATE_SPEC) for v in self.kube_versions}

    def _ref_validator(self, kube_version: str, uri: str) -> Any:
        import jsonschema

        return jsonschema.Draft202012Validator({"$ref": uri}, registry=self._registry(kube_version))

    def is_custom_resource(self, obj: Object) -> bool:
        return self.sources.is_custom_resource(obj.get("apiVersion"), obj.get("kind"))

    # -- validation ---------------------------------------------------------------------

    def validate(self, obj: Object) -> list[SchemaProblem]:
        """Every schema problem of one object, for every Kubernetes version."""
        if self.fast.is_valid(obj):
            return []
        return self._problems(obj)

    def _problems(self, obj: Object) -> list[SchemaProblem]:
        """jsonschema's errors for an object, each as a SchemaProblem."""
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
                template_path = EMBEDDED_POD_TEMPLATES.get((api_version, kind))
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


def _repository_cache(crd_dir: Path) -> DiskCache:
    """The disk cache of the repository holding crd_dir (memory only outside one)."""
    for candidate in (crd_dir.resolve(), *crd_dir.resolve().parents):
        if (candidate / "helmfile.yaml").is_file():
            return DiskCache.of_repository(candidate)
    return DiskCache(None)


def _dotted(path: Any) -> str:
    parts: list[str] = []
    for item in path:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _message(error: jsonschema.ValidationError) -> str:
    import jsonschema

    if error.validator == "additionalProperties":
        return f"unknown field(s): {error.message.split('(')[-1].rstrip(')')}"
    if error.validator in ("oneOf", "anyOf") and error.context:
        best = jsonschema.exceptions.best_match(error.context)
        return best.message
    return error.message
