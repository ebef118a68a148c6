"""One release checked end to end: values files, render, schema validation, policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from chartkit.checks import policy
from chartkit.checks.policy.base import Violation
from chartkit.checks.redaction import Redactor
from chartkit.checks.schema import SchemaProblem, SchemaValidator
from chartkit.checks.values_files import ValuesChecker, ValuesProblem
from chartkit.releases.inventory import Overlay, Release
from chartkit.releases.manifest import Manifest
from chartkit.releases.render import Renderer
from chartkit.tools.helm import HelmError


@dataclass(frozen=True)
class ReleaseReport:
    release: Release
    overlay: Overlay | None
    helm_version: str
    manifest: Manifest | None = None
    render_error: str | None = None
    render_problems: tuple[str, ...] = ()  # render_error, one line per problem
    values_problems: tuple[ValuesProblem, ...] = ()
    schema_problems: tuple[SchemaProblem, ...] = ()
    violations: tuple[Violation, ...] = ()
    redact: Redactor = field(default_factory=Redactor, compare=False)

    @property
    def ok(self) -> bool:
        return not (
            self.render_error or self.values_problems or self.schema_problems or self.violations
        )

    @property
    def label(self) -> str:
        overlay = f" +{self.overlay.name}" if self.overlay else ""
        return f"{self.release.name}{overlay} (helm {self.helm_version})"

    def problems(self) -> list[str]:
        """Every problem, one line each, naming file or object and field; no secret value
        of the values files is repeated."""
        lines = [f"values: {problem}" for problem in self.values_problems]
        lines += [f"render: {problem}" for problem in self.render_problems]
        lines += [f"schema: {problem}" for problem in self.schema_problems]
        lines += [f"policy: {violation}" for violation in self.violations]
        return [self.redact(line) for line in lines]


class ReleaseChecker:
    """Checks releases; schemas and renders are shared across every check it makes."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        root = renderer.root
        self.validator = SchemaValidator(
            renderer.toolbox.pins["validate_kubernetes"], root / "ci" / "crds"
        )
        self.values_checker = ValuesChecker(root)

    def check(
        self, release: Release, overlay: Overlay | None = None, helm_version: str | None = None
    ) -> ReleaseReport:
        version = helm_version or self.renderer.toolbox.default_helm_version()
        files = list(release.values) + ([overlay.path] if overlay else [])
        values_problems = tuple(
            p for f in files for p in self.values_checker.check(release.chart, f)
        )
        redact = self.values_checker.redactor(files)
        try:
            manifest = self.renderer.render_release(release, overlay, version)
        except HelmError as error:
            refusal = self.values_checker.refusal(
                release.chart, files, error.stderr, values_problems
            )
            return ReleaseReport(
                release,
                overlay,
                version,
                render_error=redact(error.stderr),
                render_problems=tuple(refusal),
                values_problems=values_problems,
                redact=redact,
            )
        objects = list(manifest.objects)
        return ReleaseReport(
            release,
            overlay,
            version,
            manifest=manifest,
            values_problems=values_problems,
            schema_problems=tuple(self.validator.validate_all(objects)),
            violations=tuple(policy.check(objects)),
            redact=redact,
        )
