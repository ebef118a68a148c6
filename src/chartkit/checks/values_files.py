"""Check one values file on its own against its chart's values.schema.json.

Helm checks the merged values and does not say which file a bad key came from. Checked
here file by file, with `required` ignored (a values file may leave a field to the chart's
defaults), an unknown key or a wrong type is reported with the file and the field.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml


@dataclass(frozen=True)
class ValuesProblem:
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field or '(top level)'}: {self.message}"


def _without_required(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _without_required(v)
            for k, v in node.items()
            if k not in ("required", "minProperties")
        }
    if isinstance(node, list):
        return [_without_required(item) for item in node]
    return node


class ValuesChecker:
    """Checks values files against their chart's schema; compiles each schema once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._validators: dict[Path, Any] = {}

    def _validator(self, schema_path: Path) -> Any:
        if schema_path not in self._validators:
            schema = _without_required(copy.deepcopy(json.loads(schema_path.read_text())))
            self._validators[schema_path] = jsonschema.validators.validator_for(schema)(schema)
        return self._validators[schema_path]

    def check(self, chart: Path, values_file: Path) -> list[ValuesProblem]:
        schema_path = chart / "values.schema.json"
        label = (
            str(values_file.relative_to(self.root))
            if values_file.is_relative_to(self.root)
            else str(values_file)
        )
        try:
            values = yaml.safe_load(values_file.read_text()) or {}
        except yaml.YAMLError as error:
            return [ValuesProblem(label, "", f"not valid YAML: {error}")]
        if not isinstance(values, dict):
            return [ValuesProblem(label, "", "must be a mapping")]
        if not schema_path.exists():
            return []
        problems = []
        for error in self._validator(schema_path).iter_errors(values):
            field = ".".join(str(p) for p in error.absolute_path)
            message = error.message
            if error.validator == "additionalProperties":
                message = "unknown key(s): " + message.split("(")[-1].rstrip(")")
            problems.append(ValuesProblem(label, field, message))
        return sorted(problems, key=lambda p: (p.field, p.message))
