"""One release checked end to end: values files, render, schema validation, policy."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from chartkit.checks import policy
from chartkit.checks.policy.base import Violation
from chartkit.checks.redaction import Redactor
from chartkit.checks.schema import SchemaProblem, SchemaValidator
from chartkit.checks.values_files import ValuesChecker, ValuesProblem
from chartkit.releases.inventory import Overlay, Release
from chartkit.releases.manifest import Manifest
from chartkit.releases.render import ReleaseRender, Renderer
from chartkit.tools.disk_cache import digest
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


# The disk cache entry of the kinds each chart rendered (a hint: a wrong one costs time only).
_CHART_KINDS = "chart-kinds"
_CHART_KINDS_KEY = digest(["chart name -> [apiVersion, kind]"])


def _kinds(manifest: Manifest | None) -> set[tuple[str, str]]:
    objects = manifest.objects if manifest is not None else ()
    return {
        (o["apiVersion"], o["kind"])
        for o in objects
        if isinstance(o.get("apiVersion"), str) and isinstance(o.get("kind"), str)
    }


class ReleaseChecker:
    """Checks releases; schemas and renders are shared across every check it makes."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        root = renderer.root
        self.validator = SchemaValidator(
            renderer.toolbox.pins["validate_kubernetes"], root / "ci" / "crds", renderer.disk_cache
        )
        self.values_checker = ValuesChecker(root, renderer.disk_cache)
        self._warm_up = self.validator.warm_up(())

    def check_all(self, renders: Iterable[ReleaseRender]) -> Iterator[ReleaseReport]:
        """Check each release in turn, in order, while helm renders the next ones; while
        waiting, compile the validators of the kinds each chart rendered last time."""
        renders = list(renders)
        self.renderer.prefetch(renders)
        remembered = self._remembered_kinds()
        charts = [release.chart_name for release, _, _ in renders]
        expected = dict.fromkeys(k for chart in charts for k in remembered.get(chart, ()))
        self._warm_up = self.validator.warm_up(expected)
        seen: dict[str, set[tuple[str, str]]] = {}
        for index, (release, overlay, helm_version) in enumerate(renders, 1):
            report = self.check(release, overlay, helm_version)
            seen.setdefault(release.chart_name, set()).update(_kinds(report.manifest))
            if index == len(renders):
                self._remember_kinds(remembered, seen)
            yield report

    def _remembered_kinds(self) -> dict[str, list[tuple[str, str]]]:
        """chart name -> the (apiVersion, kind)s it rendered last time (the disk cache)."""
        entry = self.renderer.disk_cache.read(_CHART_KINDS, _CHART_KINDS_KEY) or {}
        return {chart: [(str(a), str(k)) for a, k in kinds] for chart, kinds in entry.items()}

    def _remember_kinds(
        self, remembered: dict[str, list[tuple[str, str]]], seen: dict[str, set[tuple[str, str]]]
    ) -> None:
        updated = {**remembered, **{chart: sorted(kinds) for chart, kinds in seen.items()}}
        if updated != remembered:
            self.renderer.disk_cache.write(_CHART_KINDS, _CHART_KINDS_KEY, updated)

    def check(
        self, release: Release, overlay: Overlay | None = None, helm_version: str | None = None
    ) -> ReleaseReport:
        version = helm_version or self.renderer.default_helm_version
        files = list(release.values) + ([overlay.path] if overlay else [])
        values_problems = tuple(
            p for f in files for p in self.values_checker.check(release.chart, f)
        )
        redact = self.values_checker.redactor(files)
        while not self.renderer.rendered(release, overlay, version):
            if next(self._warm_up, None) is None:
                break
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
