"""Check one values file on its own against its chart's values.schema.json.

Helm checks the merged values and does not say which file a bad key came from. Checked
here file by file, with `required` ignored (a values file may leave a field to the chart's
defaults), each problem is one line naming the file and the field:

- a file that is missing, not valid YAML (file:line:column) or not a mapping;
- a key written twice in one mapping (helm silently keeps the last one): both lines;
- an unknown key, with the nearest valid key when one is close (chartkit.checks.key_suggestions);
- a wrong type, a value out of range, a pattern that fails (with the schema part's
  patternErrorMessage instead of the bare regex).

No message repeats a secret value of the file (chartkit.checks.redaction).

jsonschema-rs says whether a file is valid (chartkit.checks.schema_fast); only a file it
refuses is checked by jsonschema, whose errors are the problems reported.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartkit.checks.redaction import Redactor
from chartkit.checks.schema_fast import as_text, compile_fast, fast_is_valid, fast_schema
from chartkit.releases.yaml_file import YamlDocument, YamlFileError, read_yaml
from chartkit.tools.disk_cache import DiskCache, digest


@dataclass(frozen=True)
class ValuesProblem:
    file: str
    field: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}" + (f":{self.column}" if self.column else "")
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


# What turns a values schema into the text jsonschema-rs compiles: part of its cache key.
_FAST_SCHEMA_CODE = (Path(__file__), Path(__file__).with_name("schema_fast.py"))


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
    """Checks values files against their chart's schema; compiles each schema once and
    reads each file once."""

    def __init__(self, root: Path, disk_cache: DiskCache | None = None) -> None:
        """disk_cache: where each schema is kept as jsonschema-rs reads it (default: the
        repository's)."""
        self.root = root
        self.disk_cache = disk_cache or DiskCache.of_repository(root)
        self._schemas: dict[Path, Any] = {}
        self._fast_validators: dict[Path, Any] = {}
        self._validators: dict[Path, Any] = {}
        self._documents: dict[tuple[Path, int, int], YamlDocument | YamlFileError] = {}
        self._patterns: dict[Path, dict[str, str]] = {}

    def label(self, values_file: Path) -> str:
        """The file as problems name it: relative to the repository when inside it."""
        path = values_file.absolute()
        return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)

    def read(self, values_file: Path) -> YamlDocument | YamlFileError:
        """The file's document, or why it cannot be read."""
        try:
            status = values_file.stat()
            key = (values_file, status.st_mtime_ns, status.st_size)
        except OSError:
            key = (values_file, 0, -1)
        if key not in self._documents:
            try:
                self._documents[key] = read_yaml(values_file, self.label(values_file))
            except YamlFileError as error:
                self._documents[key] = error
        return self._documents[key]

    def redactor(self, values_files: Iterable[Path]) -> Redactor:
        """Masks the secret values of these files (and every credential-shaped string)."""
        documents = [self.read(f) for f in values_files]
        return Redactor.of(d.data for d in documents if isinstance(d, YamlDocument))

    def check(self, chart: Path, values_file: Path) -> list[ValuesProblem]:
        label = self.label(values_file)
        document = self.read(values_file)
        if isinstance(document, YamlFileError):
            return [ValuesProblem(label, "", document.problem, document.line, document.column)]
        values = {} if document.data is None else document.data
        if not isinstance(values, dict):
            kind = "a list" if isinstance(values, list) else f"a single {type(values).__name__}"
            return [
                ValuesProblem(label, "", f"is {kind}; a values file is a mapping of keys to values")
            ]
        problems = [
            ValuesProblem(
                label,
                duplicate.path,
                f"duplicated key '{duplicate.key}' (first at line "
                f"{duplicate.first_line}): helm keeps only the last one and silently ignores "
                f"line {duplicate.first_line}; remove one of them",
                duplicate.line,
            )
            for duplicate in document.duplicates
        ]
        schema_path = chart / "values.schema.json"
        if schema_path.exists() and not fast_is_valid(self._fast_validator(schema_path), values):
            from chartkit.checks.schema_errors import describe  # jsonschema: errors only

            redact = Redactor.of([values])
            validator = self._validator(schema_path)
            for error in validator.iter_errors(values):
                for field, message in describe(error, validator.schema):
                    problems.append(ValuesProblem(label, field, redact(message)))
        return sorted(problems, key=lambda p: (p.field, p.line or 0, p.message))

    def refusal(
        self,
        chart: Path,
        values_files: Sequence[Path],
        stderr: str,
        reported: Sequence[ValuesProblem] = (),
        lint: bool = False,
    ) -> list[str]:
        """Helm's refusal of these values files (`helm template` stderr, or `helm lint`
        output with lint=True), one masked line per problem naming the files and the field.
        What the per-file check reported already (`reported`) is left out: helm's schema
        check finds the same against the same schema."""
        from chartkit.checks.helm_refusals import HELM, SCHEMA, read_lint, read_refusal

        patterns = self._pattern_messages(chart)
        problems = read_lint(stderr, patterns) if lint else read_refusal(stderr, patterns)
        fields = [p.field for p in reported]
        whole_file = any(not p.field for p in reported)
        fresh = [
            p
            for p in problems
            if not (p.source == SCHEMA and _covered(p.field, fields))
            and not (p.source == HELM and whole_file)
        ]
        files = ", ".join(self.label(f) for f in values_files)
        if problems and not fresh:
            return [f"{files}: helm refuses them too (the values problems above)"]
        redact = self.redactor(values_files)
        return [redact(f"{files}: {problem}") for problem in fresh]

    def _pattern_messages(self, chart: Path) -> dict[str, str]:
        from chartkit.checks.helm_refusals import pattern_messages  # only for a refusal

        if chart not in self._patterns:
            schema_path = chart / "values.schema.json"
            schema = json.loads(schema_path.read_text()) if schema_path.exists() else {}
            self._patterns[chart] = pattern_messages(schema)
        return self._patterns[chart]

    def _schema(self, schema_path: Path) -> Any:
        if schema_path not in self._schemas:
            schema = _without_required(copy.deepcopy(json.loads(schema_path.read_text())))
            self._schemas[schema_path] = schema
        return self._schemas[schema_path]

    def _fast_validator(self, schema_path: Path) -> Any:
        if schema_path not in self._fast_validators:
            self._fast_validators[schema_path] = compile_fast(self._fast_schema(schema_path))
        return self._fast_validators[schema_path]

    def _fast_schema(self, schema_path: Path) -> str:
        """The schema as compile_fast takes it (JSON text), from the disk cache, keyed by
        the schema file and the code that prepares it."""
        key = digest([self.disk_cache.files_digest([schema_path, *_FAST_SCHEMA_CODE])])
        name = re.sub(r"[^A-Za-z0-9.-]", "_", f"values-schema-{self.label(schema_path)}")

        def build() -> str:
            return as_text(fast_schema(self._schema(schema_path)))

        return self.disk_cache.json(name, key, build, keep=False)

    def _validator(self, schema_path: Path) -> Any:
        import jsonschema  # only for a file jsonschema-rs refused

        if schema_path not in self._validators:
            schema = self._schema(schema_path)
            self._validators[schema_path] = jsonschema.validators.validator_for(schema)(schema)
        return self._validators[schema_path]


def _covered(field: str, fields: Sequence[str]) -> bool:
    """Whether a problem at `field` is one of those at `fields` (the same key, one inside
    it, or the object holding it)."""
    if not field:
        return bool(fields)
    return any(
        other == field
        or other.startswith((f"{field}.", f"{field}["))
        or field.startswith((f"{other}.", f"{other}["))
        for other in fields
        if other
    )
