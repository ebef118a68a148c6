"""charts/api renamed keys (renamed-keys.yaml) and the one meaning of `version`: an old key,
the deployment guide's format included, fails naming every key to change and how to rewrite
them; `version` labels Deployment pods and is refused in Rollout mode with how to promote."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from chart_fixtures import chart_release_fixture

from helpers.helm_versions import HELMS

CHART = "api"
VALUES = "values/univprepai.yaml"
RELEASE = "univprepai-api"
NAMESPACE = "univprepai"
FIXTURES = "tests/charts/fixtures/values"
LEGACY = f"{FIXTURES}/legacy-guide.yaml"
LEGACY_RENAMED = f"{FIXTURES}/legacy-guide-renamed.yaml"


chart_under_test = chart_release_fixture(CHART, VALUES, release=RELEASE, namespace=NAMESPACE)


@pytest.mark.parametrize("helm", HELMS)
def test_the_guides_format_fails_naming_every_key_to_change(chart_error, helm) -> None:
    error = chart_error(CHART, LEGACY, release="r-analytics-api", namespace="seedtest", helm=helm)
    assert (
        "values error: service.name, service.version, prometheus.address, servicemonitor:" in error
    )
    for line in (
        "service.name is now serviceName",
        "service.version is now version",
        "prometheus.address is now analysis.prometheusAddress",
        "servicemonitor is now serviceMonitor",
    ):
        assert line in error
    assert "`chartkit migrate <values file>` rewrites them" in error
    # service.version's note says what to do in Rollout mode, with this release's names
    assert "kubectl argo rollouts promote r-analytics-api -n seedtest" in error


@pytest.mark.parametrize("helm", HELMS)
def test_once_renamed_version_and_then_the_latest_tag_are_refused(chart_error, helm) -> None:
    options = {"release": "r-analytics-api", "namespace": "seedtest", "helm": helm}
    error = chart_error(CHART, LEGACY_RENAMED, **options)
    assert "values error: version:" in error
    error = chart_error(CHART, LEGACY_RENAMED, set_values={"version": ""}, **options)
    assert "values error: image.tag:" in error and "Pin a version tag" in error


@pytest.mark.parametrize("helm", HELMS)
def test_every_old_key_names_its_new_key(refuse, renamed, helm) -> None:
    for entry in renamed:
        if entry.get("form") == "list":
            value: Any = [{"name": "x"}]
        else:
            value = {"any": "value"} if entry["key"] in ("pdb", "secretEnv") else "x"
        error = refuse({entry["key"]: value}, helm=helm)
        new = entry["to"] if isinstance(entry["to"], list) else [entry["to"]]
        assert f"values error: {entry['key']}:" in error, error
        assert f"{entry['key']} is now {' and '.join(new)}" in error
        assert "chartkit migrate" in error


def test_every_old_key_is_admitted_by_the_schema_and_is_not_a_current_key(
    repo_root, renamed
) -> None:
    """The schema lets an old key through (so the template names its new one), and no old
    key is still a key of the chart: values.yaml sets none of them."""
    defaults = yaml.safe_load((repo_root / "charts/api/values.yaml").read_text())
    for entry in renamed:
        node: Any = defaults
        for part in entry["key"].split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if entry.get("form") == "list":
            assert isinstance(node, dict), entry["key"]
        else:
            assert node is None, entry["key"]


# -- version ---------------------------------------------------------------------------------


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize("version", ["stable", "canary"])
def test_version_is_refused_in_rollout_mode_with_how_to_promote(refuse, helm, version) -> None:
    error = refuse({"version": version}, helm=helm)
    assert f'values error: version: "{version}" is set, but in Rollout mode' in error
    assert "Argo Rollouts labels the pods itself" in error
    assert "kubectl argo rollouts promote univprepai-api -n univprepai" in error
    assert "rollouts.enabled: false" in error


@pytest.mark.parametrize(("version", "label"), [("", "stable"), ("canary", "canary")])
def test_version_labels_the_pods_in_deployment_mode(render, version, label) -> None:
    manifest = render(set_values={"rollouts.enabled": False, "version": version})
    labels = manifest.get("Deployment")["spec"]["template"]["metadata"]["labels"]
    assert labels["version"] == label


def test_the_readme_says_how_to_promote(repo_root) -> None:
    readme = (repo_root / "charts/api/README.md").read_text()
    section = readme[readme.index("### Promoting a canary") :]
    section = section[: section.index("\n## ")]
    assert "kubectl argo rollouts promote" in section
    assert "refuses" in section and "version" in section
