"""The value rules every chart gets from charts/common, each refused with the values field
named, under both pinned helm versions and through `chartkit render`.

charts/api has an assembled schema: where a shared schema part can say it (a quantity's
pattern, a DNS name, a bound), helm's schema check refuses first and names the field; what a
schema cannot say (requests above limits, an HPA minimum above its maximum, undeclared probe
ports, a variable set twice, canary weights out of order) the templates refuse. The fixture
chart tests/charts/fixtures/model has no schema, so there every rule is the templates' own
message: field, value and fix. r-analytics' schema, assembled from the same parts, refuses
"2GB" by the shared quantity pattern (its 1.x schema let it through to crash chartkit)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from refusals import names

from chartkit.cli.main import main
from helpers.helm_versions import HELMS
from helpers.repository import share_tools_and_cache

MODEL = "tests/charts/fixtures/model"
SMALL = {"requests": {"cpu": "1m", "memory": "1Mi"}, "limits": {"cpu": "1m", "memory": "1Mi"}}


def gpu(requests: int, limits: int) -> dict[str, Any]:
    return {
        "requests": {"cpu": "100m", "memory": "64Mi", "nvidia.com/gpu": requests},
        "limits": {"cpu": "1", "memory": "128Mi", "nvidia.com/gpu": limits},
    }


# name -> (values given over values/univprepai.yaml, field the error names)
API_RULES: dict[str, tuple[dict[str, Any], str]] = {
    "cpu-request-above-limit": ({"resources.requests.cpu": "2"}, "resources.requests.cpu"),
    "memory-request-above-limit": (
        {"resources.requests.memory": "1Gi"},
        "resources.requests.memory",
    ),
    "gpu-request-above-limit": ({"resources": gpu(2, 1)}, "resources.requests.nvidia.com/gpu"),
    "hpa-min-above-max": (
        {"autoscaling.minReplicas": 9, "autoscaling.maxReplicas": 8},
        "autoscaling.minReplicas",
    ),
    "overlay-min-above-hpa-max": (
        {"global.minReplicas": 9, "autoscaling.maxReplicas": 8},
        "global.minReplicas",
    ),
    "hpa-max-above-bound": ({"autoscaling.maxReplicas": 201}, "autoscaling.maxReplicas"),
    "replicas-zero": ({"replicaCount": 0}, "replicaCount"),
    "replicas-above-bound": ({"replicaCount": 201}, "replicaCount"),
    "probe-port-undeclared": ({"probes.liveness.port": "admin"}, "probes.liveness.port"),
    "env-twice": ({"extraEnv": [{"name": "LOG_LEVEL", "value": "debug"}]}, "extraEnv[0]"),
    "plain-beside-secret": (
        {
            "extraEnv": [
                {"name": "LOG_LEVEL", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}
            ]
        },
        "extraEnv[0]",
    ),
    "quantity-2GB": ({"resources.limits.memory": "2GB"}, "resources.limits.memory"),
    "quantity-8gb": ({"resources.requests.memory": "8gb"}, "resources.requests.memory"),
    "quantity-1.2.3": ({"resources.limits.cpu": "1.2.3"}, "resources.limits.cpu"),
    "sidecar-quantity": (
        {
            "sidecars": {
                "proxy": {
                    "image": {"repository": "x/y", "tag": "1"},
                    "resources": {**SMALL, "limits": {"cpu": "1m", "memory": "8gb"}},
                }
            }
        },
        "sidecars.proxy.resources.limits.memory",
    ),
    "ingress-host": (
        {"ingress.enabled": True, "ingress.hosts": [{"host": "not a host!"}]},
        "ingress.hosts[0].host",
    ),
    "ingress-tls-host": (
        {
            "ingress.enabled": True,
            "ingress.hosts": [{"host": "api.example.org"}],
            "ingress.tls": [{"hosts": ["API_EXAMPLE"], "secretName": "t"}],
        },
        "ingress.tls[0].hosts[0]",
    ),
    "tmp-size-zero": ({"tmpDir.sizeLimit": "0"}, "tmpDir.sizeLimit"),
    "weights-not-increasing": (
        {"rollouts.steps": [{"setWeight": 50}, {"pause": {}}, {"setWeight": 20}]},
        "rollouts.steps[2].setWeight",
    ),
    "weight-above-100": ({"rollouts.steps": [{"setWeight": 101}]}, "rollouts.steps[0].setWeight"),
}

# name -> (values given over the fixture chart's, field, words of the fix)
MODEL_RULES: dict[str, tuple[dict[str, Any], str, str]] = {
    "quantity-2GB": (
        {"web": {"resources": {"limits": {"memory": "2GB"}}}},
        "web.resources.limits.memory",
        '"2GB" is not a Kubernetes quantity',
    ),
    "quantity-8gb": (
        {"worker": {"resources": {"requests": {"memory": "8gb"}}}},
        "worker.resources.requests.memory",
        "Ki, Mi, Gi, Ti",
    ),
    "quantity-1.2.3": (
        {"web": {"resources": {"requests": {"cpu": "1.2.3"}}}},
        "web.resources.requests.cpu",
        "e.g. 250m",
    ),
    "gpu-request-above-limit": (
        {"worker": {"resources": gpu(2, 1)}},
        "worker.resources.requests.nvidia.com/gpu",
        "lower the request or raise the limit",
    ),
    "memory-request-above-limit": (
        {"web": {"resources": {"requests": {"memory": "512Mi"}}}},
        "web.resources.requests.memory",
        "512Mi is above web.resources.limits.memory (256Mi)",
    ),
    "hpa-min-above-max": (
        {"web": {"autoscaling": {"enabled": True, "minReplicas": 5, "maxReplicas": 4}}},
        "web.autoscaling.minReplicas",
        "5 is above web.autoscaling.maxReplicas (4)",
    ),
    "hpa-max-above-bound": (
        {"web": {"autoscaling": {"enabled": True, "maxReplicas": 201}}},
        "web.autoscaling.maxReplicas",
        "outside 1..200",
    ),
    "replicas-zero": ({"web": {"replicaCount": 0}}, "web.replicaCount", "outside 1..200"),
    "hpa-min-zero": (
        {"web": {"autoscaling": {"enabled": True, "minReplicas": 0}}},
        "web.autoscaling.minReplicas",
        "0 is outside 1..200",
    ),
    "replicas-above-bound": (
        {"worker": {"replicaCount": 500}},
        "worker.replicaCount",
        "500 is outside 1..200",
    ),
    "probe-port-undeclared": (
        {"web": {"probes": {"readiness": {"port": 9090}}}},
        "web.probes.readiness.port",
        "9090 is not a port of container web (its ports: http (8080))",
    ),
    "ingress-host": (
        {"ingress": {"enabled": True, "hosts": [{"host": "not a host!"}]}},
        "ingress.hosts[0].host",
        '"not a host!" is not a DNS name',
    ),
    "ingress-tls-host": (
        {
            "ingress": {
                "enabled": True,
                "hosts": [{"host": "*.example.org"}],
                "tls": [{"hosts": ["https://example.org"]}],
            }
        },
        "ingress.tls[0].hosts[0]",
        "no scheme, port, path or spaces",
    ),
    "storage-size-zero": ({"persistence": {"size": "0"}}, "persistence.size", "must be above 0"),
    "storage-size-negative": (
        {"persistence": {"size": "-1Gi"}},
        "persistence.size",
        "is not a Kubernetes quantity",
    ),
    "storage-class-space": (
        {"persistence": {"storageClassName": "nfs client"}},
        "persistence.storageClassName",
        '"nfs client" is not a StorageClass name',
    ),
    "storage-class-case": (
        {"persistence": {"storageClassName": "NFS_Client"}},
        "persistence.storageClassName",
        "lower-case letters",
    ),
    "cidr-prefix": (
        {"service": {"loadBalancerSourceRanges": ["10.0.0.0/8", "10.0.0.0/33"]}},
        "service.loadBalancerSourceRanges[1]",
        '"10.0.0.0/33" is not a CIDR',
    ),
    "cidr-octet": (
        {"service": {"loadBalancerSourceRanges": ["300.1.1.1/8"]}},
        "service.loadBalancerSourceRanges[0]",
        "octets 0-255",
    ),
    "cidr-ipv6-prefix": (
        {"service": {"loadBalancerSourceRanges": ["2001:db8::/129"]}},
        "service.loadBalancerSourceRanges[0]",
        "IPv6 prefix 0-128",
    ),
    "cidr-ipv6-groups": (
        {"service": {"loadBalancerSourceRanges": ["1:2:3:4:5:6:7::8/64"]}},
        "service.loadBalancerSourceRanges[0]",
        "is not a CIDR",
    ),
}


@pytest.fixture(scope="session")
def api(chart_release):
    return chart_release("api", "values/univprepai.yaml", release="univprepai-api", namespace="u")


@pytest.fixture(scope="session")
def model(chart_release):
    return chart_release(MODEL, release="model", namespace="model")


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize("rule", API_RULES)
def test_api_refuses_naming_the_field(api, rule: str, helm: str) -> None:
    values, field = API_RULES[rule]
    error = api.refuse(values, helm=helm)
    assert names(error, field), error


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize("rule", MODEL_RULES)
def test_the_templates_refuse_naming_field_value_and_fix(model, rule: str, helm: str) -> None:
    values, field, words = MODEL_RULES[rule]
    error = model.refuse(values, helm=helm)
    assert f"values error: {field}:" in error, error
    assert words in error, error


@pytest.mark.parametrize("helm", HELMS)
def test_what_the_rules_accept(model, helm: str) -> None:
    manifest = model.render(
        set_values={
            "ingress": {
                "enabled": True,
                "hosts": [{"host": "*.example.org"}, {"host": "api.example.org"}],
                "tls": [{"hosts": ["*.example.org"], "secretName": "wildcard"}],
            },
            "service": {
                "loadBalancerSourceRanges": [
                    "0.0.0.0/0",
                    "203.0.113.7/32",
                    "::/0",
                    "2001:db8::/32",
                    "fe80::1/128",
                    "2001:db8:0:0:0:0:0:1/128",
                ]
            },
            "persistence": {"size": "0.5Gi", "storageClassName": ""},
            "web": {"resources": {"requests": {"cpu": "0.5", "memory": "256Mi"}}},
            "worker": {"resources": {"requests": {"cpu": "1000m", "memory": "0.5Gi"}}},
        },
        helm=helm,
    )
    assert manifest.get("Ingress")["spec"]["rules"][0]["host"] == "*.example.org"
    assert "storageClassName" in manifest.get("PersistentVolumeClaim")["spec"]


def test_the_hpa_minimum_is_never_widened_silently(model) -> None:
    """An overlay's minimum above the maximum used to raise the maximum; now it is refused."""
    error = model.refuse(
        {"global": {"minReplicas": 5}, "web": {"autoscaling": {"enabled": True, "maxReplicas": 4}}}
    )
    assert "values error: global.minReplicas: 5 (from the environment overlay)" in error
    assert "raise web.autoscaling.maxReplicas to at least 5" in error


# -- through chartkit render ---------------------------------------------------------------


def rule_repo(tmp_path: Path, repo_root: Path) -> Path:
    """A repository whose inventory holds one release per rule: api releases on the team's
    values plus the rule's, fixture-chart releases, and r-analytics with a bad quantity."""
    repo = tmp_path / "repo"
    shutil.copytree(repo_root / "charts", repo / "charts", symlinks=True)
    shutil.copytree(repo_root / MODEL, repo / "charts" / "model", symlinks=True)
    (repo / "charts" / "model" / "charts" / "common").unlink()
    (repo / "charts" / "model" / "charts" / "common").symlink_to(repo / "charts" / "common")
    shutil.copytree(repo_root / "ci", repo / "ci")
    share_tools_and_cache(repo, repo_root)
    (repo / "values" / "env").mkdir(parents=True)
    base = yaml.safe_load((repo_root / "values" / "univprepai.yaml").read_text())
    releases = []

    def add(name: str, chart: str, values: dict[str, Any]) -> None:
        (repo / "values" / f"{name}.yaml").write_text(yaml.safe_dump(values))
        releases.append(
            {"name": name, "namespace": "team", "chart": chart, "values": [f"values/{name}.yaml"]}
        )

    for rule, (values, _) in API_RULES.items():
        merged = yaml.safe_load(yaml.safe_dump(base))
        for dotted, value in values.items():
            *parents, leaf = dotted.split(".")
            node = merged
            for parent in parents:
                node = node.setdefault(parent, {})
            node[leaf] = value
        add(release_name("api", rule), "./charts/api", merged)
    for rule, (values, _, _) in MODEL_RULES.items():
        add(release_name("model", rule), "./charts/model", values)
    add("r-analytics-2gb", "./charts/r-analytics", {"resources": {"limits": {"memory": "2GB"}}})
    (repo / "helmfile.yaml").write_text(yaml.safe_dump({"releases": releases}))
    return repo


def release_name(chart: str, rule: str) -> str:
    return f"{chart}-{rule.lower().replace('.', '-')}"


def problems_by_release(stderr: str) -> dict[str, str]:
    sections: dict[str, str] = {}
    current = None
    for line in stderr.splitlines():
        match = re.match(r"^(\S+) \(helm [0-9.]+\):$", line)
        if match:
            current = match.group(1)
            sections[current] = ""
        elif current:
            sections[current] += line + "\n"
    return sections


def test_chartkit_render_reports_every_rule_naming_file_and_field(
    tmp_path: Path, repo_root: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    repo = rule_repo(tmp_path, repo_root)
    monkeypatch.chdir(repo)
    assert main(["render"]) == 1
    output = capsys.readouterr()
    assert "Traceback" not in output.err
    sections = problems_by_release(output.err)
    expected = {
        **{release_name("api", rule): field for rule, (_, field) in API_RULES.items()},
        **{release_name("model", rule): field for rule, (_, field, _) in MODEL_RULES.items()},
        "r-analytics-2gb": "resources.limits.memory",
    }
    assert set(sections) == set(expected)
    for release, field in expected.items():
        text = sections[release]
        # the per-file schema check (values: <file>: a.b[0].c: ...) or helm's refusal
        # (render: <file>: a.b[0].c: ...), one line each
        assert f"values/{release}.yaml: {field}:" in text, (
            f"{release}: {field} not named in\n{text}"
        )
        assert f"values/{release}.yaml" in text
