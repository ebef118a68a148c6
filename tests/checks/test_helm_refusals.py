"""chartkit.checks.helm_refusals on helm's real error text, under both pinned helm versions:
one problem per field, named the way the charts name it, with the schema's words for a
failed pattern."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chartkit.checks.helm_refusals import (
    HELM,
    SCHEMA,
    TEMPLATES,
    HelmProblem,
    pattern_messages,
    read_refusal,
)
from helpers.helm_versions import HELMS

VALUES = "values/univprepai.yaml"
LEGACY = "tests/charts/fixtures/values/legacy-guide.yaml"


@pytest.fixture(scope="module")
def patterns(repo_root: Path) -> dict[str, str]:
    return pattern_messages(json.loads((repo_root / "charts/api/values.schema.json").read_text()))


@pytest.mark.parametrize("helm", HELMS)
def test_schema_problems_one_per_field(chart_error, patterns, helm: str) -> None:
    error = chart_error(
        "api",
        VALUES,
        set_values={
            "resources.requests.memory": "8gb",
            "replicas": 3,
            "ingress.hosts": [{"host": "not a host!"}],
        },
        helm=helm,
    )
    problems = {p.field: p for p in read_refusal(error, patterns)}
    assert set(problems) == {"resources.requests.memory", "replicas", "ingress.hosts[0].host"}
    assert all(p.source == SCHEMA for p in problems.values())
    assert problems["replicas"].message == "unknown key 'replicas'"
    quantity = problems["resources.requests.memory"].message
    assert "Not a Kubernetes quantity" in quantity and "[KMGTPE]" not in quantity
    assert "Not a DNS name" in problems["ingress.hosts[0].host"].message


@pytest.mark.parametrize("helm", HELMS)
def test_the_charts_refusal_is_its_field_and_message(chart_error, helm: str) -> None:
    error = chart_error("api", VALUES, set_values={"resources.requests.cpu": "2"}, helm=helm)
    assert read_refusal(error) == [
        HelmProblem(
            "resources.requests.cpu",
            "2 is above resources.limits.cpu (1): a container cannot request more than its "
            "limit; lower the request or raise the limit",
            TEMPLATES,
        )
    ]


@pytest.mark.parametrize("helm", HELMS)
def test_renamed_keys_are_one_problem_each(chart_error, helm: str) -> None:
    error = chart_error("api", LEGACY, release="r-analytics-api", namespace="seedtest", helm=helm)
    problems = read_refusal(error)
    assert [p.field for p in problems] == [
        "service.name",
        "service.version",
        "prometheus.address",
        "servicemonitor",
    ]
    assert problems[3].message.startswith("renamed: servicemonitor is now serviceMonitor")
    assert all("`chartkit migrate <values file>`" in p.message for p in problems)


def test_anything_else_is_one_line() -> None:
    [problem] = read_refusal("Error: open /x/values.yaml: no such file\n\nmore\n")
    assert problem == HelmProblem("", "Error: open /x/values.yaml: no such file more", HELM)
