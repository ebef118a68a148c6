"""charts/ecp-tenant on the workload model: each service's pod is common.podTemplate's, fed by
the tenant-wide keys, the service's catalog entry and the tenant's services.<service> entry;
a replica count computed from sessions is bound to 1..200 like any other; and the rules of
charts/common apply to every service, each refused naming the key the values file wrote,
under both pinned helm versions."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from chartkit.releases.inventory import find_root
from chartkit.releases.manifest import Manifest, container, pod_spec, pod_template_metadata
from helpers.helm_versions import HELMS

CHART = "ecp-tenant"
NAMESPACE = "ecp-tenants"
GPU = "nvidia.com/gpu"
CATALOG = yaml.safe_load((find_root() / "charts" / CHART / "values.yaml").read_text())["catalog"]
GPU_SELECTOR = {"cloud.google.com/gke-accelerator": "nvidia-l4"}
GPU_TOLERATION = {"key": GPU, "operator": "Exists", "effect": "NoSchedule"}
# A preset with room for a service at the 200-replica bound.
HUGE = {
    "quota": {"cpu": "1000", "memory": "4Ti", "gpu": 0, "storage": "1Ti"},
    "limitRange": {
        "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
        "default": {"cpu": "500m", "memory": "512Mi"},
        "max": {"cpu": "16", "memory": "64Gi"},
    },
}


def tenant(services: dict[str, Any], **values: Any) -> dict[str, Any]:
    """Values of a made-up tenant "edge" on preset large; a service is {sessions} or an int."""
    entries = {n: s if isinstance(s, dict) else {"sessions": s} for n, s in services.items()}
    return {"tenant.id": "edge", "tenant.preset": "large", "services": entries, **values}


@pytest.fixture(scope="session")
def render(render_chart):
    def _render(values: dict[str, Any], *files: str, helm: str = HELMS[0]) -> Manifest:
        return render_chart(
            CHART, *files, set_values=values, release="edge", namespace=NAMESPACE, helm=helm
        )

    return _render


@pytest.fixture(scope="session")
def refuse(chart_error):
    def _refuse(values: dict[str, Any], helm: str = HELMS[0]) -> str:
        return chart_error(CHART, set_values=values, release="edge", namespace=NAMESPACE, helm=helm)

    return _refuse


def names(error: str, field: str) -> bool:
    """Whether an error names a values field: the templates' "values error: a.b:", helm 4's
    schema error at '/a/b' and helm 3's "- a.b:" (a "/" in a key is "~1" in helm 4's path)."""
    parts = re.findall(r"[^.]+(?:\.[a-z]+/[^.]+)?", field)
    pointer = "/".join(p.replace("/", "~1") for p in parts)
    return (
        f"values error: {field}:" in error
        or f"'/{pointer}'" in error
        or f"- {field}:" in error
        or f"- {'.'.join(parts)}:" in error
    )


def resources(manifest: Manifest, service: str) -> dict[str, Any]:
    return container(manifest.get("Deployment", service), service)["resources"]


def env_of(manifest: Manifest, service: str) -> list[dict[str, Any]]:
    return container(manifest.get("Deployment", service), service)["env"]


# -- the tenant's own per-service settings ------------------------------------------------


def test_a_tenant_sets_a_services_limits_and_its_requests_follow(render, refuse) -> None:
    manifest = render(
        tenant({"stt": {"sessions": 30, "resources": {"limits": {"memory": "24Gi"}}}, "tts": 30})
    )
    stt = {"cpu": "4", "memory": "24Gi", GPU: 1}
    assert resources(manifest, "stt") == {"requests": stt, "limits": stt}
    tts = resources(manifest, "tts")
    assert tts["requests"] == tts["limits"] == CATALOG["tts"]["resources"]["limits"]
    # the quota check counts what the tenant set
    error = refuse(
        tenant(
            {"stt": {"sessions": 50, "resources": {"limits": {"memory": "24Gi"}}}},
            **{"tenant.preset": "small"},
        )
    )
    assert "memory 73792Mi > quota 64Gi (stt 2 x 24Gi = 48Gi, + 24Gi rolling-update surge" in error


def test_a_tenant_may_run_a_gpu_service_without_gpus(render) -> None:
    manifest = render(tenant({"stt": {"sessions": 10, "resources": {"limits": {GPU: 0}}}}))
    assert GPU not in resources(manifest, "stt")["limits"]
    assert GPU not in resources(manifest, "stt")["requests"]
    spec = pod_spec(manifest.get("Deployment", "stt"))
    assert "nodeSelector" not in spec and "tolerations" not in spec


def test_a_services_pod_options_go_over_the_tenant_wide_ones(render) -> None:
    stt = {
        "sessions": 60,
        "nodeSelector": {"pool": "inference-ko"},
        "tolerations": [{"key": "dedicated", "operator": "Exists"}],
        "podLabels": {"cost-center": "ko-speech"},
        "podAnnotations": {"owner": "speech-team"},
        "podAntiAffinityPreset": "hard",
        "priorityClassName": "inference-high",
    }
    values = tenant(
        {"stt": stt, "chatbot": 100},
        nodeSelector={"zone-class": "standard"},
        tolerations=[{"key": "shared", "operator": "Exists"}],
        podLabels={"team": "ecp"},
        podAnnotations={"owner": "platform", "audit": "on"},
    )
    manifest = render(values)
    spec = pod_spec(manifest.get("Deployment", "stt"))
    assert spec["nodeSelector"] == {
        **GPU_SELECTOR,
        "pool": "inference-ko",
        "zone-class": "standard",
    }
    assert spec["tolerations"] == [GPU_TOLERATION, {"key": "dedicated", "operator": "Exists"}]
    assert "requiredDuringSchedulingIgnoredDuringExecution" in spec["affinity"]["podAntiAffinity"]
    assert spec["priorityClassName"] == "inference-high"
    metadata = pod_template_metadata(manifest.get("Deployment", "stt"))
    assert {"team": "ecp", "cost-center": "ko-speech", "ecp.ai/service": "stt"}.items() <= (
        metadata["labels"].items()
    )
    assert metadata["annotations"] == {"owner": "speech-team", "audit": "on"}
    # chatbot keeps the tenant-wide settings
    chatbot = pod_spec(manifest.get("Deployment", "chatbot"))
    assert chatbot["nodeSelector"] == {"zone-class": "standard"}
    assert chatbot["tolerations"] == [{"key": "shared", "operator": "Exists"}]
    assert "affinity" not in chatbot and "priorityClassName" not in chatbot
    labels = pod_template_metadata(manifest.get("Deployment", "chatbot"))["labels"]
    assert "cost-center" not in labels and labels["team"] == "ecp"


def test_a_services_false_or_empty_setting_replaces_the_tenant_wide_one(render) -> None:
    values = tenant(
        {"stt": {"sessions": 60, "zoneSpread": False, "podAntiAffinityPreset": "none"}, "tts": 60},
        zoneSpread=True,
        podAntiAffinityPreset="soft",
    )
    manifest = render(values)
    stt = pod_spec(manifest.get("Deployment", "stt"))
    assert "topologySpreadConstraints" not in stt and "affinity" not in stt
    tts = pod_spec(manifest.get("Deployment", "tts"))
    assert tts["topologySpreadConstraints"][0]["topologyKey"] == "topology.kubernetes.io/zone"
    assert "preferredDuringSchedulingIgnoredDuringExecution" in tts["affinity"]["podAntiAffinity"]


def test_replicas_stay_the_contracted_ones_whatever_an_overlay_says(render) -> None:
    values = tenant({"callbot": 35}, **{"global.autoscaling": True, "global.replicaCount": 1})
    manifest = render(values)
    assert manifest.get("Deployment", "callbot")["spec"]["replicas"] == 4
    assert "HorizontalPodAutoscaler" not in manifest.kinds()


def test_env_comes_from_the_chart_the_catalog_and_the_tenant(render) -> None:
    token = {"secretKeyRef": {"name": "stt-vendor", "key": "token"}}
    values = tenant(
        {"stt": {"sessions": 10, "env": {"LOG_LEVEL": "debug", "STT_LANGUAGE": "ko-KR"}}},
        catalog={"stt": {"env": {"STT_VENDOR_TOKEN": token}}},
    )
    env = env_of(render(values), "stt")
    assert [e["name"] for e in env] == [
        "TENANT_ID",
        "ECP_SERVICE",
        "MAX_CONCURRENT_SESSIONS",
        "LOG_LEVEL",
        "STT_LANGUAGE",
        "STT_VENDOR_TOKEN",
    ]
    assert {"name": "LOG_LEVEL", "value": "debug"} in env
    assert {"name": "STT_VENDOR_TOKEN", "valueFrom": token} in env


def test_every_service_pod_is_the_workload_models(render) -> None:
    values = tenant(
        {"callbot": 10, "stt": 10},
        **{"tmpDir.sizeLimit": "2Gi", "containerSecurityContext": {"runAsUser": 2000}},
    )
    for service in ("callbot", "stt"):
        deployment = render(values).get("Deployment", service)
        spec = pod_spec(deployment)
        assert spec["enableServiceLinks"] is False
        assert spec["automountServiceAccountToken"] is False
        assert spec["serviceAccountName"] == "edge-ecp-tenant"
        assert (
            spec["terminationGracePeriodSeconds"]
            == CATALOG[service]["terminationGracePeriodSeconds"]
        )
        assert spec["volumes"] == [{"name": "tmp", "emptyDir": {"sizeLimit": "2Gi"}}]
        item = container(deployment, service)
        assert item["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
        assert item["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
        assert item["securityContext"]["readOnlyRootFilesystem"] is True
        assert item["securityContext"]["runAsUser"] == 2000


def test_recreate_has_no_surge_for_the_quota_to_count(render, refuse) -> None:
    # chatbot: 1 CPU a replica; 800 sessions fill preset small's 16 CPUs exactly.
    values = tenant({"chatbot": 800}, **{"tenant.preset": "small", "tests.enabled": False})
    assert "cpu 17000m > quota 16000m" in refuse(values)
    manifest = render({**values, "updateStrategy": {"type": "Recreate"}})
    deployment = manifest.get("Deployment", "chatbot")
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert deployment["spec"]["replicas"] == 16


# -- computed replica counts are bound like any other -------------------------------------


@pytest.mark.parametrize("helm", HELMS)
def test_sessions_beyond_200_replicas_are_refused_naming_the_sessions(render, refuse, helm):
    values = tenant({"callbot": 2000}, presets={"huge": HUGE}, **{"tenant.preset": "huge"})
    assert render(values, helm=helm).get("Deployment", "callbot")["spec"]["replicas"] == 200
    error = refuse({**values, "services": {"callbot": {"sessions": 2001}}}, helm=helm)
    assert (
        "values error: services.callbot.sessions: 2001 sessions at 10 per replica"
        " (catalog.callbot.sessionsPerReplica) need 201 replicas, and one service runs at most"
        " 200 (the platform's bound): contract at most 2000 sessions of callbot for this tenant,"
        " or have the platform review the service's sizing"
    ) in error
    assert "kind: Deployment" not in error


@pytest.mark.parametrize("helm", HELMS)
def test_an_overlay_floor_above_200_is_refused_naming_it(refuse, helm) -> None:
    error = refuse(tenant({"chatbot": 10}, **{"global.minReplicas": 201}), helm=helm)
    assert "values error: global.minReplicas: 201 is outside 1..200" in error


# -- the rules of charts/common, through every service's workload -------------------------

# name -> (values over a tenant with stt, the field the error names, words of the message)
RULES: dict[str, tuple[dict[str, Any], str, str]] = {
    "catalog-plain-secret": (
        {"catalog": {"stt": {"env": {"STT_VENDOR_TOKEN": "s3cr3t-value"}}}},
        "catalog.stt.env.STT_VENDOR_TOKEN",
        "looks like a secret",
    ),
    "tenant-plain-secret": (
        {"services": {"stt": {"sessions": 10, "env": {"STT_VENDOR_TOKEN": "s3cr3t-value"}}}},
        "services.stt.env.STT_VENDOR_TOKEN",
        "read it from a Secret instead, services.stt.env.STT_VENDOR_TOKEN: {secretKeyRef:",
    ),
    "catalog-sets-a-chart-variable": (
        {"catalog": {"stt": {"env": {"TENANT_ID": "other"}}}},
        "catalog.stt.env.TENANT_ID",
        "sets TENANT_ID, which the chart (tenant.id) sets already",
    ),
    "tenant-sets-a-chart-variable": (
        {"services": {"stt": {"sessions": 10, "env": {"MAX_CONCURRENT_SESSIONS": "99"}}}},
        "services.stt.env.MAX_CONCURRENT_SESSIONS",
        "which the chart (catalog.stt.sessionsPerReplica) sets already",
    ),
    "tenant-sets-requests": (
        {"services": {"stt": {"sessions": 10, "resources": {"requests": {"cpu": "1"}}}}},
        "services.stt.resources.requests",
        "remove requests and set services.stt.resources.limits",
    ),
    "catalog-sets-requests": (
        {"catalog": {"stt": {"resources": {"requests": {"cpu": "1"}}}}},
        "catalog.stt.resources.requests",
        "every replica requests what its limits say",
    ),
    "tenant-limit-beyond-the-preset": (
        {"services": {"stt": {"sessions": 10, "resources": {"limits": {"cpu": "20"}}}}},
        "services.stt.resources.limits.cpu",
        '20 per replica exceeds what preset "large" allows one container',
    ),
    "tenant-limit-not-a-quantity": (
        {"services": {"stt": {"sessions": 10, "resources": {"limits": {"memory": "24GB"}}}}},
        "services.stt.resources.limits.memory",
        "",
    ),
    "tenant-reserved-pod-label": (
        {"services": {"stt": {"sessions": 10, "podLabels": {"ecp.ai/service": "tts"}}}},
        "services.stt.podLabels.ecp.ai/service",
        "the chart sets itself (app.kubernetes.io/* and helm.sh/*, ecp.ai/tenant, ecp.ai/service)",
    ),
    "tenant-anti-affinity-preset": (
        {"services": {"stt": {"sessions": 10, "podAntiAffinityPreset": "strict"}}},
        "services.stt.podAntiAffinityPreset",
        "",
    ),
    "catalog-latest-tag": (
        {"catalog": {"stt": {"image": {"tag": "Latest"}}}},
        "catalog.stt.image.tag",
        "Pin a version tag",
    ),
    "tmp-size-zero": ({"tmpDir": {"sizeLimit": "0"}}, "tmpDir.sizeLimit", ""),
    "no-surge-no-unavailable": (
        {"updateStrategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}},
        "updateStrategy.rollingUpdate",
        "maxSurge and maxUnavailable are both 0",
    ),
    "new-catalog-entry-without-cpu": (
        {
            "services": {"summarizer": {"sessions": 5}},
            "catalog": {
                "summarizer": {
                    **{k: v for k, v in CATALOG["chatbot"].items() if k != "resources"},
                    "resources": {"limits": {"memory": "2Gi"}},
                }
            },
        },
        "catalog.summarizer.resources.limits.cpu",
        "is required: the cpu of one replica of summarizer (its limit, and its request)",
    ),
}


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize("rule", sorted(RULES))
def test_common_rules_apply_to_every_service_naming_the_key_written(refuse, rule, helm) -> None:
    values, field, words = RULES[rule]
    error = refuse({**tenant({"stt": 10}), **values}, helm=helm)
    assert names(error, field), error
    assert words in error
    assert "s3cr3t-value" not in error  # a secret's value is never echoed
