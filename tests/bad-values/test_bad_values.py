"""The bad-values corpus (README.md here): every case, with both pinned helm versions, is
refused by `helm template` (or, where the case says so, only by chartkit) and by chartkit's
release check, which names the expected fragment and the field on one line, without a
traceback and without repeating a secret value of the case.

Each case is rendered once per helm version: chartkit's release check renders it as the
release of its source file would be installed (helm template of the chart with the case
file, the platform's API versions), and the helm assertions read that same render."""

from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from corpus import RULES, Case, all_cases

from chartkit.checks.helm_refusals import read_refusal
from chartkit.checks.policy.credentials import SECRET_VALUE
from chartkit.checks.redaction import Redactor
from chartkit.checks.release import ReleaseChecker
from chartkit.releases.inventory import Inventory, Release
from chartkit.releases.render import Renderer
from chartkit.tools.helm import HelmError
from helpers.helm_versions import HELMS

CASES = all_cases()
MIN_CASES, MIN_PER_CHART = 120, 15


@pytest.fixture(scope="session")
def checker(renderer: Renderer) -> ReleaseChecker:
    return ReleaseChecker(renderer)


def release_of(case: Case, inventory: Inventory, root: Path) -> Release:
    """The case as a temporary inventory entry: the release its source file belongs to (its
    name and namespace), with the case file as its only values file."""
    source = (root / case.source).resolve()
    for release in inventory.releases:
        if source in release.values:
            return Release(release.name, release.namespace, release.chart, (case.path,))
    return Release(case.chart, case.chart, root / "charts" / case.chart, (case.path,))


def load(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@functools.cache
def secrets_of(case: Case) -> frozenset[str]:
    """What the case must never see printed: values under secret env names, and every
    credential-shaped string in it."""
    literals = Redactor.of([load(case.path)]).literals
    return literals | {match.group(0) for match in SECRET_VALUE.finditer(case.path.read_text())}


def names_field(line: str, field: str) -> bool:
    return re.search(rf"(?<![\w.\[\]/-]){re.escape(field)}: ", line) is not None


def one_line(text: str) -> str:
    return " ".join(text.split())


def helm_names(case: Case, stderr: str) -> bool:
    """Whether helm's own error names the case's field: the chart's `values error: <fields>:`,
    or a field of its schema check as chartkit reads it."""
    if case.helm == "template":
        listed = re.findall(r"values error: (.+?): ", stderr)
        return any(case.field in fields.split(", ") for fields in listed)
    return case.field in {problem.field for problem in read_refusal(stderr)}


def helm_error_of(checker: ReleaseChecker, release: Release, helm: str) -> str | None:
    """helm's stderr for the case (None when it renders): the render the check made."""
    try:
        checker.renderer.render_release(release, None, helm)
    except HelmError as error:
        return error.stderr
    return None


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_case_is_refused_naming_the_field(
    case: Case, helm: str, checker: ReleaseChecker, inventory: Inventory, repo_root: Path
) -> None:
    release = release_of(case, inventory, repo_root)
    report = checker.check(release, None, helm)
    helm_error = helm_error_of(checker, release, helm)
    if case.helm == "renders":
        assert helm_error is None, f"{case.id}: helm {helm} refuses it:\n{helm_error}"
    else:
        assert helm_error is not None, f"{case.id}: helm {helm} renders it"
        assert helm_names(case, helm_error), f"{case.id}: helm {helm} names no {case.field}"
        if case.helm == "template":
            assert one_line(case.expect) in one_line(helm_error), helm_error
        assert report.manifest is None
    lines = report.problems()
    printed = "\n".join(lines)
    assert not report.ok, f"{case.id}: chartkit lets it through"
    assert "Traceback" not in printed
    label = str(case.path.relative_to(repo_root))
    assert any(
        case.expect in line and names_field(line, case.field) and label in line for line in lines
    ), f"{case.id}: no line with {case.expect!r} naming {label} and {case.field}:\n{printed}"
    leaked = [secret for secret in secrets_of(case) if secret in printed]
    assert not leaked, f"{case.id}: chartkit repeats {len(leaked)} secret value(s):\n{printed}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_case_is_one_mutation_of_a_real_values_file(case: Case, repo_root: Path) -> None:
    source = repo_root / case.source
    assert source.is_file(), f"{case.id}: # from: {case.source} does not exist"
    mine, theirs = load(case.path), load(source)
    if case.rule == "legacy-guide-file":
        assert mine == theirs, f"{case.id}: the guide's file as teams have it"
    elif case.rule != "duplicate-yaml-key":  # a loader keeps one of the two: may be equal
        assert mine != theirs, f"{case.id}: the case changes nothing in {case.source}"
    schema = re.search(r"\$schema=(\S+)", case.path.read_text())
    if schema:
        assert (case.path.parent / schema.group(1)).resolve().is_file(), schema.group(0)


def test_the_corpus_covers_every_chart_and_rule(repo_root: Path) -> None:
    charts = sorted(p.parent.name for p in (repo_root / "charts").glob("*/renamed-keys.yaml"))
    per_chart = Counter(case.chart for case in CASES)
    assert sorted(per_chart) == charts
    assert len(CASES) >= MIN_CASES
    assert min(per_chart.values()) >= MIN_PER_CHART, per_chart
    assert set(RULES) == {case.rule for case in CASES}


@pytest.mark.parametrize("chart", sorted({c.chart for c in CASES}))
def test_every_renamed_key_has_a_case(repo_root: Path, chart: str) -> None:
    entries = yaml.safe_load((repo_root / "charts" / chart / "renamed-keys.yaml").read_text())
    renamed = [
        c.field
        for c in CASES
        if c.chart == chart and c.rule in ("renamed-key", "legacy-guide-file")
    ]
    for entry in entries["renamed"]:
        pattern = re.escape(entry["key"]).replace(r"\*", r"[^.]+")
        assert any(re.fullmatch(pattern, field) for field in renamed), (
            f"charts/{chart}/renamed-keys.yaml: no case renames {entry['key']}"
        )
