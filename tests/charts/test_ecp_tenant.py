"""charts/ecp-tenant: an ECP AI tenant's namespace, quota and services sized from sessions
(releases global-call-center and ai-call-center-prod, release namespace ecp-tenants)."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartkit.checks import policy
from chartkit.releases.inventory import find_root
from chartkit.releases.manifest import Manifest, container, name_of, pod_spec, pod_template_metadata
from chartkit.sizing.quantity import cpu_millis, memory_bytes
from helpers.helm_versions import HELMS

ROOT = find_root()
CHART = "ecp-tenant"
RELEASE_NAMESPACE = "ecp-tenants"
PROD_TENANT = "values/tenants/ai-call-center-prod.yaml"
DEV = "values/env/dev.yaml"
PROD = "values/env/prod.yaml"
CHART_VALUES = yaml.safe_load((ROOT / "charts" / CHART / "values.yaml").read_text())
CATALOG = CHART_VALUES["catalog"]
GPU_KEY = "nvidia.com/gpu"


def limits(name: str) -> dict[str, Any]:
    """One replica's limits (and requests) in the chart's catalog."""
    return CATALOG[name]["resources"]["limits"]


def tenant_values(path: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / path).read_text())


@pytest.fixture(scope="session")
def tenant(render_chart):
    """A made-up tenant "edge" (99.5% availability, preset large) with the given services."""

    def _render(
        services: dict[str, int] | None = None,
        *overlays: str,
        set_values: dict[str, Any] | None = None,
        helm: str = "4.1.4",
    ) -> Manifest:
        values: dict[str, Any] = {
            "tenant.id": "edge",
            "tenant.preset": "large",
            "services": {name: {"sessions": n} for name, n in (services or {}).items()},
        }
        values.update(set_values or {})
        return render_chart(
            CHART,
            *overlays,
            set_values=values,
            release="edge",
            namespace=RELEASE_NAMESPACE,
            helm=helm,
        )

    return _render


@pytest.fixture(scope="session")
def refuse(chart_error):
    def _refuse(values: dict[str, Any], *files: str) -> str:
        return chart_error(
            CHART, *files, set_values=values, release="edge", namespace=RELEASE_NAMESPACE
        )

    return _refuse


@pytest.fixture(scope="session")
def call_center(render_chart):
    def _render(*overlays: str, helm: str = "4.1.4") -> Manifest:
        return render_chart(
            CHART,
            PROD_TENANT,
            *overlays,
            release="ai-call-center-prod",
            namespace=RELEASE_NAMESPACE,
            helm=helm,
        )

    return _render


def replicas_of(manifest: Manifest, service: str) -> int:
    return int(manifest.get("Deployment", service)["spec"]["replicas"])


# -- replicas from sessions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("sessions", "expected"),
    [(1, 1), (9, 1), (10, 1), (11, 2), (20, 2), (21, 3), (100, 10), (101, 11)],
)
def test_replicas_are_sessions_over_sessions_per_replica_rounded_up(tenant, sessions, expected):
    assert CATALOG["callbot"]["sessionsPerReplica"] == 10
    manifest = tenant({"callbot": sessions})
    assert replicas_of(manifest, "callbot") == expected == math.ceil(sessions / 10)


def test_a_service_with_zero_sessions_is_not_rendered(tenant):
    manifest = tenant({"callbot": 0, "chatbot": 50})
    assert manifest.names("Deployment") == ["chatbot"]
    assert manifest.names("Service") == ["chatbot"]
    assert [name_of(p) for p in manifest.all("Pod")] == ["chatbot-test-connection"]
    record = yaml.safe_load(
        manifest.get("ConfigMap", "edge-ecp-tenant-sizing")["data"]["sizing.json"]
    )
    assert record["services"] == {
        "chatbot": {"sessions": 50, "sessionsPerReplica": 50, "replicas": 1}
    }


def test_a_tenant_without_sessions_gets_its_namespace_and_guard_rails_only(tenant):
    kinds = tenant({}).kinds()
    assert "Deployment" not in kinds and "Service" not in kinds and "Pod" not in kinds
    for kind in ("Namespace", "ResourceQuota", "LimitRange", "NetworkPolicy", "ServiceAccount"):
        assert kinds[kind] == 1


@pytest.mark.parametrize(
    ("availability", "expected"), [(99.5, 1), (99.89, 1), (99.9, 2), (99.95, 2), (99.99, 2)]
)
def test_availability_of_99_9_or_more_runs_at_least_two_replicas(tenant, availability, expected):
    manifest = tenant({"callbot": 5}, set_values={"tenant.sla.availability": availability})
    assert replicas_of(manifest, "callbot") == expected
    assert manifest.names("PodDisruptionBudget") == (["callbot"] if expected >= 2 else [])


def test_the_availability_floor_does_not_lower_larger_services(tenant):
    manifest = tenant({"callbot": 35}, set_values={"tenant.sla.availability": 99.99})
    assert replicas_of(manifest, "callbot") == 4


def test_a_service_the_catalog_adds_is_deployed_like_the_others(tenant):
    summarizer = {
        **CATALOG["chatbot"],
        "description": "Call summaries",
        "image": {"repository": "example.org/ecp/summarizer", "tag": "0.9.1", "digest": ""},
        "sessionsPerReplica": 7,
    }
    manifest = tenant({"summarizer": 15}, set_values={"catalog.summarizer": summarizer})
    assert replicas_of(manifest, "summarizer") == 3
    assert container(manifest.get("Deployment", "summarizer"), "summarizer")["image"] == (
        "example.org/ecp/summarizer:0.9.1"
    )


# -- the inventory tenant -----------------------------------------------------------------


def test_call_center_replicas_follow_its_sessions_and_sla(call_center):
    values = tenant_values(PROD_TENANT)
    assert values["tenant"]["sla"] == {"availability": 99.95, "responseTimeMs": 150}
    manifest = call_center()
    expected = {
        name: max(2, math.ceil(req["sessions"] / CATALOG[name]["sessionsPerReplica"]))
        for name, req in values["services"].items()
    }
    assert expected == {"callbot": 10, "chatbot": 4, "advisor": 5, "stt": 4, "tts": 4}
    assert {name: replicas_of(manifest, name) for name in expected} == expected


def test_every_namespaced_object_goes_to_the_tenant_namespace(call_center):
    manifest = call_center()
    namespace = manifest.get("Namespace")
    assert name_of(namespace) == "ecp-ai-ai-call-center-prod"
    assert "namespace" not in namespace["metadata"]
    for obj in manifest.objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == "ecp-ai-ai-call-center-prod", obj["kind"]


def test_namespace_is_labelled_with_tenant_and_preset_and_enforces_restricted(call_center):
    metadata = call_center().get("Namespace")["metadata"]
    labels = metadata["labels"]
    assert labels["ecp.ai/tenant"] == "ai-call-center-prod"
    assert labels["ecp.ai/preset"] == "large"
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert labels["app.kubernetes.io/instance"] == "ai-call-center-prod"
    assert metadata["annotations"]["ecp.ai/display-name"] == "AI Call Center (production)"
    assert metadata["annotations"]["ecp.ai/sla-availability"] == "99.95"


def test_quota_and_limits_come_from_the_preset(call_center):
    manifest = call_center()
    preset = CHART_VALUES["presets"]["large"]
    hard = manifest.get("ResourceQuota")["spec"]["hard"]
    quota = preset["quota"]
    assert hard == {
        "requests.cpu": quota["cpu"],
        "limits.cpu": quota["cpu"],
        "requests.memory": quota["memory"],
        "limits.memory": quota["memory"],
        "requests.nvidia.com/gpu": str(quota["gpu"]),
        "requests.storage": quota["storage"],
    }
    (limit,) = manifest.get("LimitRange")["spec"]["limits"]
    assert limit["type"] == "Container"
    assert limit["max"] == preset["limitRange"]["max"]
    assert limit["default"] == preset["limitRange"]["default"]
    assert limit["defaultRequest"] == preset["limitRange"]["defaultRequest"]


def test_gpu_resources_only_where_the_catalog_asks_for_them(call_center):
    manifest = call_center()
    for deployment in manifest.all("Deployment"):
        name = name_of(deployment)
        spec = pod_spec(deployment)
        resources = container(deployment, name)["resources"]
        gpus = limits(name).get(GPU_KEY, 0)
        if gpus:
            assert resources["requests"][GPU_KEY] == resources["limits"][GPU_KEY] == gpus
            assert spec["nodeSelector"] == {"cloud.google.com/gke-accelerator": "nvidia-l4"}
            assert {"key": GPU_KEY, "operator": "Exists", "effect": "NoSchedule"} in spec[
                "tolerations"
            ]
        else:
            assert GPU_KEY not in resources["requests"] and GPU_KEY not in resources["limits"]
            assert "nodeSelector" not in spec and "tolerations" not in spec
    assert {
        name_of(d)
        for d in manifest.all("Deployment")
        if GPU_KEY in container(d, name_of(d))["resources"]["limits"]
    } == {"stt", "tts"}


def test_requests_equal_limits_from_the_catalog(call_center):
    for deployment in call_center().all("Deployment"):
        name = name_of(deployment)
        resources = container(deployment, name)["resources"]
        for section in ("requests", "limits"):
            assert cpu_millis(resources[section]["cpu"]) == cpu_millis(limits(name)["cpu"])
            assert memory_bytes(resources[section]["memory"]) == memory_bytes(
                limits(name)["memory"]
            )


def test_pods_know_their_tenant_and_are_labelled_for_prometheus(call_center):
    manifest = call_center()
    for deployment in manifest.all("Deployment"):
        name = name_of(deployment)
        env = {e["name"]: e.get("value") for e in container(deployment, name)["env"]}
        assert env["TENANT_ID"] == "ai-call-center-prod"
        assert env["ECP_SERVICE"] == name
        assert env["MAX_CONCURRENT_SESSIONS"] == str(CATALOG[name]["sessionsPerReplica"])
        labels = pod_template_metadata(deployment)["labels"]
        assert labels["ecp.ai/tenant"] == "ai-call-center-prod"
        assert labels["ecp.ai/service"] == name
        assert labels["app.kubernetes.io/version"] == CATALOG[name]["image"]["tag"]
        selector = manifest.get("Service", name)["spec"]["selector"]
        assert selector.items() <= labels.items()
        assert deployment["metadata"]["annotations"]["ecp.ai/sessions"] == str(
            tenant_values(PROD_TENANT)["services"][name]["sessions"]
        )
    stt = {
        e["name"]: e.get("value")
        for e in container(manifest.get("Deployment", "stt"), "stt")["env"]
    }
    assert stt["STT_LANGUAGE"] == "ko-KR"


def test_probes_give_gpu_services_their_model_loading_time(call_center):
    period = CHART_VALUES["probes"]["startup"]["periodSeconds"]
    for deployment in call_center().all("Deployment"):
        name = name_of(deployment)
        item = container(deployment, name)
        startup = item["startupProbe"]
        assert startup["httpGet"] == {"path": CATALOG[name]["healthPath"], "port": "http"}
        assert startup["failureThreshold"] * period >= CATALOG[name]["startupSeconds"]
        assert item["readinessProbe"]["httpGet"]["path"] == CATALOG[name]["healthPath"]
        assert item["livenessProbe"]["httpGet"]["path"] == CATALOG[name]["healthPath"]


# -- the quota check ----------------------------------------------------------------------


def test_services_over_the_preset_quota_fail_naming_services_and_numbers(refuse):
    error = refuse({"tenant.preset": "medium"}, PROD_TENANT)
    services = tenant_values(PROD_TENANT)["services"]
    replicas = {
        name: max(2, math.ceil(r["sessions"] / CATALOG[name]["sessionsPerReplica"]))
        for name, r in services.items()
    }
    cpu = {name: cpu_millis(limits(name)["cpu"]) for name in services}
    steady = sum(replicas[n] * cpu[n] for n in services)
    surge = sum(cpu.values())
    need = steady + surge + cpu_millis(CHART_VALUES["tests"]["resources"]["limits"]["cpu"])
    quota = cpu_millis(CHART_VALUES["presets"]["medium"]["quota"]["cpu"])
    assert (steady, surge, need, quota) == (66000, 13000, 79100, 48000)
    assert "values error: services:" in error
    assert 'preset "medium"' in error
    assert f"cpu {need}m > quota {quota}m" in error
    for name in services:
        assert f"{name} {replicas[name]} x {cpu[name]}m" in error
    assert f"= {steady}m, + {surge}m rolling-update surge, + 100m helm test pod" in error
    assert "nvidia.com/gpu 10 > quota 8 (stt 4 x 1, tts 4 x 1 = 8, + 2 rolling-update surge)" in (
        error
    )
    memory = {name: memory_bytes(limits(name)["memory"]) for name in services}
    mebibytes = (
        sum(replicas[n] * memory[n] for n in services)
        + sum(memory.values())
        + memory_bytes(CHART_VALUES["tests"]["resources"]["limits"]["memory"])
    ) // 2**20
    assert mebibytes == (196 + 42) * 1024 + 64
    assert f"memory {mebibytes}Mi > quota 192Gi" in error


def test_the_quota_check_counts_rolling_update_surge_and_the_test_pod(tenant, refuse):
    # chatbot: 1 CPU per replica, 50 sessions each; preset small: 16 CPUs.
    exactly = {"tenant.id": "edge", "services": {"chatbot": {"sessions": 800}}}
    assert CHART_VALUES["tenant"]["preset"] == "small"
    surge_error = refuse(exactly)
    assert "cpu 17100m > quota 16000m" in surge_error
    no_surge = {"updateStrategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}}
    test_pod_error = refuse({**exactly, **no_surge})
    assert "cpu 16100m > quota 16000m" in test_pod_error
    assert "+ 100m helm test pod" in test_pod_error
    manifest = tenant(
        {"chatbot": 800},
        set_values={**no_surge, "tests.enabled": False, "tenant.preset": "small"},
    )
    assert replicas_of(manifest, "chatbot") == 16
    strategy = manifest.get("Deployment", "chatbot")["spec"]["strategy"]["rollingUpdate"]
    assert strategy == {"maxSurge": 0, "maxUnavailable": 1}


def test_a_container_larger_than_the_preset_allows_is_refused(refuse):
    error = refuse(
        {
            "tenant.id": "edge",
            "services": {"stt": {"sessions": 1}},
            "catalog.stt.resources.limits.memory": "48Gi",
        }
    )
    assert "values error: catalog.stt.resources.limits.memory: 48Gi per replica exceeds" in error
    assert "presets.small.limitRange.max.memory: 32Gi" in error


# -- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"services": {"callbot": {"sessions": 1}}}, "tenant.id", "is required"),
        (
            {"tenant.id": "edge", "services": {"faxbot": {"sessions": 1}}},
            "services.faxbot",
            "is not a service of the catalog",
        ),
        ({"tenant.id": "edge", "tenant.preset": "huge"}, "tenant.preset", "is not a preset"),
        (
            {"tenant.id": "edge", "tenant.gpuType": "", "services": {"tts": {"sessions": 1}}},
            "tenant.gpuType",
            "is required: service tts uses 1 GPU",
        ),
        (
            {
                "tenant.id": "edge",
                "services": {"chatbot": {"sessions": 1, "env": {"TENANT_ID": "x"}}},
            },
            "services.chatbot.env.TENANT_ID",
            "sets TENANT_ID, which the chart (tenant.id) sets already",
        ),
        (
            {
                "tenant.id": "edge",
                "services": {"chatbot": {"sessions": 1, "env": {"LLM_API_KEY": "x"}}},
            },
            "services.chatbot.env.LLM_API_KEY",
            "looks like a secret",
        ),
        (
            {
                "tenant.id": "edge",
                "updateStrategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}},
            },
            "updateStrategy.rollingUpdate",
            "maxSurge and maxUnavailable are both 0",
        ),
        (
            {
                "tenant.id": "edge",
                "services": {"chatbot": {"sessions": 1}},
                "podLabels": {"ecp.ai/tenant": "other"},
            },
            "podLabels.ecp.ai/tenant",
            '"ecp.ai/tenant" is a label the chart sets itself',
        ),
        (
            {
                "tenant.id": "edge",
                "services": {"chatbot": {"sessions": 1}},
                "catalog.chatbot.image.tag": "latest",
            },
            "catalog.chatbot.image.tag",
            "Pin a version tag (e.g. catalog.chatbot.image.tag",
        ),
    ],
)
def test_cross_field_errors_name_the_field(refuse, values, field, words):
    error = refuse(values)
    assert f"values error: {field}: " in error
    assert words in error


def test_installing_into_the_tenant_namespace_itself_is_refused(chart_error):
    error = chart_error(
        CHART, PROD_TENANT, release="ai-call-center-prod", namespace="ecp-ai-ai-call-center-prod"
    )
    assert "values error: tenant.id:" in error and "-n ecp-tenants" in error


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ({"tenant.id": "Edge"}, "tenant/id"),
        ({"tenant.id": "edge", "tenant.sla.availability": 100}, "tenant/sla/availability"),
        (
            {"tenant.id": "edge", "services": {"chatbot": {"sessions": -1}}},
            "services/chatbot/sessions",
        ),
        ({"tenant.id": "edge", "services": {"chatbot": {"users": 5}}}, "services/chatbot"),
        ({"tenant.id": "edge", "tenant.tier": "gold"}, "tenant"),
    ],
)
def test_schema_refuses_bad_values(refuse, values, where):
    assert where in refuse(values)


# -- environments -------------------------------------------------------------------------


def test_dev_overlay_halves_requests_but_keeps_replicas_and_limits(call_center):
    bare, dev = call_center(), call_center(DEV)
    for deployment in bare.all("Deployment"):
        name = name_of(deployment)
        assert replicas_of(dev, name) == replicas_of(bare, name)  # global.replicaCount ignored
        ours = container(dev.get("Deployment", name), name)["resources"]
        theirs = container(deployment, name)["resources"]
        assert ours["limits"] == theirs["limits"]
        assert cpu_millis(ours["requests"]["cpu"]) * 2 == cpu_millis(theirs["requests"]["cpu"])
        assert ours["requests"].get(GPU_KEY) == theirs["requests"].get(GPU_KEY)
    assert "PrometheusRule" not in dev.kinds()


def test_prod_overlay_raises_every_service_to_two_pods_and_spreads_them(tenant):
    manifest = tenant({"callbot": 5, "chatbot": 5}, PROD)
    for name in ("callbot", "chatbot"):
        assert replicas_of(manifest, name) == 2
        spec = pod_spec(manifest.get("Deployment", name))
        assert (
            "preferredDuringSchedulingIgnoredDuringExecution" in spec["affinity"]["podAntiAffinity"]
        )
        assert spec["topologySpreadConstraints"][0]["topologyKey"] == "topology.kubernetes.io/zone"
    assert sorted(manifest.names("PodDisruptionBudget")) == ["callbot", "chatbot"]
    assert "PrometheusRule" in manifest.kinds()


# -- isolation and monitoring -------------------------------------------------------------


def test_network_policy_isolates_the_namespace(call_center):
    spec = call_center().get("NetworkPolicy")["spec"]
    assert spec["podSelector"] == {} and spec["policyTypes"] == ["Ingress", "Egress"]
    same_namespace = {"from": [{"podSelector": {}}]}
    assert spec["ingress"][0] == same_namespace
    gateway = spec["ingress"][1]
    assert gateway["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ecp-gateway"}}}
    ]
    assert gateway["ports"] == [{"protocol": "TCP", "port": "http"}]
    assert len(spec["ingress"]) == 3  # + Prometheus
    assert spec["egress"][0] == {"to": [{"podSelector": {}}]}
    assert {"protocol": "UDP", "port": 53} in spec["egress"][1]["ports"]
    assert spec["egress"][2]["to"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "ecp-llm-gateway"
    }


def test_without_peers_nothing_outside_the_namespace_gets_in(tenant):
    spec = tenant({"chatbot": 1}, set_values={"monitoring.enabled": False}).get("NetworkPolicy")[
        "spec"
    ]
    assert spec["ingress"] == [{"from": [{"podSelector": {}}]}]


def test_pod_monitor_relabels_tenant_and_service(call_center, validator):
    manifest = call_center()
    monitor = manifest.get("PodMonitor")
    assert validator.validate(monitor) == []
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert endpoint["port"] == "http" and endpoint["path"] == "/metrics"
    relabel = {r["targetLabel"]: r["sourceLabels"] for r in endpoint["relabelings"]}
    assert relabel == {
        "tenant_id": ["__meta_kubernetes_pod_label_ecp_ai_tenant"],
        "ai_service": ["__meta_kubernetes_pod_label_ecp_ai_service"],
    }
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    selector = monitor["spec"]["selector"]
    service_pods = [pod_template_metadata(d)["labels"] for d in manifest.all("Deployment")]
    assert all(selector["matchLabels"].items() <= labels.items() for labels in service_pods)
    assert all("ecp.ai/service" in labels for labels in service_pods)
    for test_pod in manifest.all("Pod"):
        labels = test_pod["metadata"]["labels"]
        assert not selector["matchLabels"].items() <= labels.items()


def test_no_pod_monitor_or_rules_without_monitoring(tenant):
    kinds = tenant({"chatbot": 1}, PROD, set_values={"monitoring.enabled": False}).kinds()
    assert "PodMonitor" not in kinds and "PrometheusRule" not in kinds


def test_sla_alerts_use_the_tenant_targets_and_pass_promtool(call_center, tmp_path: Path):
    rule = call_center().get("PrometheusRule")
    (group,) = rule["spec"]["groups"]
    alerts = {r["alert"]: r for r in group["rules"]}
    latency = alerts["EcpTenantResponseTimeAboveTarget"]["expr"]
    assert 'tenant_id="ai-call-center-prod"' in latency and latency.endswith("> 150 / 1000")
    burn = alerts["EcpTenantErrorBudgetBurning"]["expr"]
    assert burn.count("(14.4 * (100 - 99.95) / 100)") == 2
    capacity = alerts["EcpTenantServiceBelowContractedCapacity"]["expr"]
    assert 'namespace="ecp-ai-ai-call-center-prod"' in capacity
    assert all(r["labels"]["tenant_id"] == "ai-call-center-prod" for r in group["rules"])
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    result = subprocess.run(
        ["promtool", "check", "rules", str(rules_file)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- every mode validates and passes policy, the same with both helm versions -------------

MODES: dict[str, tuple[dict[str, int], tuple[str, ...], dict[str, Any]]] = {
    "no-services": ({}, (), {}),
    "gpu-only-prod": ({"stt": 30}, (PROD,), {}),
    "everything-dev": ({"callbot": 1, "chatbot": 1, "advisor": 1, "stt": 1}, (DEV,), {}),
    "hard-anti-affinity": ({"chatbot": 120}, (), {"podAntiAffinityPreset": "hard"}),
    "no-policy-no-monitoring": (
        {"advisor": 3},
        (),
        {"networkPolicy.enabled": False, "monitoring.enabled": False},
    ),
}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_modes_validate_and_pass_policy(tenant, validator, mode):
    services, overlays, values = MODES[mode]
    manifest = tenant(services, *overlays, set_values=values)
    assert validator.validate_all(list(manifest.objects)) == []
    assert policy.check(manifest.objects) == []
    other = tenant(services, *overlays, set_values=values, helm=HELMS[1])
    assert other.objects == manifest.objects
