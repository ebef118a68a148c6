"""Every chart's Chart.yaml metadata and CHANGELOG.md: the top entry is the chart's version
and the artifacthub.io/changes annotation repeats it in Artifact Hub's format."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from chartkit.cli.main import main
from chartkit.delivery.changelog import (
    CHANGE_KINDS,
    CHANGES_ANNOTATION,
    Change,
    ChangelogError,
    metadata_problems,
    parse_changelog,
    read_changelog,
)
from helpers.repository import share_tools_and_cache

ROOT = Path(__file__).resolve().parents[2]
CHARTS = sorted(p.parent.name for p in (ROOT / "charts").glob("*/Chart.yaml"))


def chart_yaml(chart: str, root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "charts" / chart / "Chart.yaml").read_text())


@pytest.mark.parametrize("chart", CHARTS)
def test_each_chart_has_its_metadata_and_a_changelog_of_its_version(chart: str) -> None:
    assert metadata_problems(ROOT / "charts" / chart) == []
    document = chart_yaml(chart)
    entries = read_changelog(ROOT / "charts" / chart)
    assert entries and entries[0].version == document["version"]
    # Artifact Hub's documented form: a YAML list of {kind, description}
    changes = yaml.safe_load(document["annotations"][CHANGES_ANNOTATION])
    assert changes and all(set(c) == {"kind", "description"} for c in changes)
    assert {c["kind"] for c in changes} <= set(CHANGE_KINDS)
    assert all(m["name"] and "@" in m["email"] for m in document["maintainers"])


def test_the_2_0_0_entries_describe_the_workload_model_and_the_renamed_keys() -> None:
    for chart in CHARTS:
        if chart == "common":
            continue
        (top, *_) = read_changelog(ROOT / "charts" / chart) or []
        text = " ".join(c.description for c in top.changes)
        assert top.version == "2.0.0" and "workload model" in text, chart
        renamed = yaml.safe_load((ROOT / "charts" / chart / "renamed-keys.yaml").read_text())
        for entry in renamed["renamed"]:
            # named whole, by its last part, or by its parent with `.*`
            parts = entry["key"].split(".")
            assert parts[-1] in text or f"{parts[-2]}.*" in text, entry["key"]


def test_every_chart_points_at_the_same_repository() -> None:
    sources = {tuple(chart_yaml(chart)["sources"]) for chart in CHARTS}
    assert len(sources) == 1
    (repository,) = next(iter(sources))
    for chart in CHARTS:
        assert chart_yaml(chart)["home"] == f"{repository}/-/tree/main/charts/{chart}"


def test_entries_sections_and_continued_lines_are_read() -> None:
    entries = parse_changelog(
        "# Changelog\n\nIntro.\n\n## 1.1.0 - 2026-12-02\n\n### Added\n- One\n  more line.\n"
        "- Two.\n\n### Fixed\n- Three.\n\n## [1.0.0]\n### Changed\n- Four.\n"
    )
    assert [(e.version, e.date) for e in entries] == [("1.1.0", "2026-12-02"), ("1.0.0", None)]
    assert entries[0].changes == (
        Change("added", "One more line."),
        Change("added", "Two."),
        Change("fixed", "Three."),
    )
    with pytest.raises(ChangelogError, match=r"CHANGELOG.md:3: section 'Notes'"):
        parse_changelog("## 1.0.0\n\n### Notes\n- x\n")
    with pytest.raises(ChangelogError, match=r"a change outside a ### section of 1\.0\.0"):
        parse_changelog("## 1.0.0\n- x\n")


@pytest.fixture
def chart_copy(tmp_path: Path) -> Path:
    target = tmp_path / "charts" / "eventstorming"
    shutil.copytree(ROOT / "charts" / "eventstorming", target, symlinks=True)
    return target


def edit(chart_dir: Path, change: dict) -> None:
    document = yaml.safe_load((chart_dir / "Chart.yaml").read_text())
    document.update(change)
    (chart_dir / "Chart.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def test_a_version_without_its_entry_on_top_is_named(chart_copy: Path) -> None:
    edit(chart_copy, {"version": "2.1.0"})
    assert metadata_problems(chart_copy) == [
        "charts/eventstorming/CHANGELOG.md: the top entry is 2.0.0, Chart.yaml says 2.1.0: "
        "add a `## 2.1.0` entry above it"
    ]
    (chart_copy / "CHANGELOG.md").unlink()
    assert metadata_problems(chart_copy) == [
        "charts/eventstorming/CHANGELOG.md: missing or without a `## <version>` entry"
    ]


def test_an_annotation_that_differs_from_the_entry_shows_what_it_must_hold(
    chart_copy: Path,
) -> None:
    document = yaml.safe_load((chart_copy / "Chart.yaml").read_text())
    changes = yaml.safe_load(document["annotations"][CHANGES_ANNOTATION])
    wanted = document["annotations"][CHANGES_ANNOTATION]
    document["annotations"][CHANGES_ANNOTATION] = yaml.safe_dump(changes[1:])
    edit(chart_copy, {"annotations": document["annotations"]})
    (problem,) = metadata_problems(chart_copy)
    assert problem.startswith(
        "charts/eventstorming/Chart.yaml: artifacthub.io/changes must repeat the 2.0.0 entry"
    )
    assert yaml.safe_load(problem.split("\n", 1)[1]) == yaml.safe_load(wanted)


def test_a_change_of_an_unknown_kind_and_missing_metadata_are_refused(chart_copy: Path) -> None:
    annotations = {CHANGES_ANNOTATION: "- kind: breaking\n  description: x\n"}
    edit(chart_copy, {"annotations": annotations, "maintainers": []})
    problems = metadata_problems(chart_copy)
    assert problems[0] == (
        "charts/eventstorming/Chart.yaml: `maintainers` is missing (every chart names its "
        "maintainers, home and sources)"
    )
    assert (
        "artifacthub.io/changes[0] must be {kind, description} with kind one of added"
        in (problems[1])
    )


def test_chartkit_lint_fails_naming_a_charts_metadata_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    for chart in ("common", "eventstorming"):
        shutil.copytree(ROOT / "charts" / chart, repo / "charts" / chart, symlinks=True)
    for path in ("ci/tools.json", "values/eventstorming.yaml"):
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / path, repo / path)
    share_tools_and_cache(repo, ROOT)
    entry = {"name": "es", "namespace": "es", "chart": "./charts/eventstorming"}
    (repo / "helmfile.yaml").write_text(
        yaml.safe_dump({"releases": [{**entry, "values": ["values/eventstorming.yaml"]}]})
    )
    edit(repo / "charts" / "eventstorming", {"version": "2.0.1"})
    monkeypatch.chdir(repo)
    assert main(["lint", "--helm", "4.1.4"]) == 1
    out, err = capsys.readouterr()
    assert "lint ok    es (helm 4.1.4)" in out
    assert "lint ok    charts/common: Chart.yaml metadata, CHANGELOG.md" in out
    assert (
        "lint FAIL  charts/eventstorming/CHANGELOG.md: the top entry is 2.0.0, Chart.yaml "
        "says 2.0.1" in err
    )
