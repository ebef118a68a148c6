"""charts/api with each service's own values file: names, port, labels, env, images, and the
environment overlays, as `helm upgrade --install <svc>-api charts/api -f values/<svc>.yaml`
renders them. The services are the inventory's releases of charts/api, and what each one
should render (namespace, port, image) is read from the inventory and its values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chartkit.checks import policy
from chartkit.releases.inventory import find_root, load
from chartkit.releases.manifest import Manifest, container, pod_spec, pod_template_metadata
from helpers.manifests import find

CHART = "api"
DEV = "values/env/dev.yaml"
PROD = "values/env/prod.yaml"
ROOT = find_root(Path(__file__).parent)
INVENTORY = load(ROOT)
SERVICES = [r.name for r in INVENTORY.releases if r.chart_name == CHART]


@pytest.fixture(scope="session")
def values_of(computed_values):
    """The values a release renders with (helm's own coalescing of its chart and files)."""

    def values(name: str) -> dict[str, Any]:
        return computed_values.of(CHART, INVENTORY.release(name).values)

    return values


@pytest.fixture(scope="session")
def release(render_chart):
    """The service's release as its team deploys it, optionally with an overlay."""

    def _render(name: str, *overlays: str, helm: str = "4.1.4") -> Manifest:
        entry = INVENTORY.release(name)
        return render_chart(
            CHART,
            *(str(v) for v in entry.values),
            *overlays,
            release=entry.name,
            namespace=entry.namespace,
            helm=helm,
        )

    return _render


def env_of(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in item.get("env") or []}


def test_the_inventory_has_api_services() -> None:
    assert SERVICES and {"seedtest-api", "mpcstudy-api"} <= set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_names_port_and_labels(release, values_of, service: str) -> None:
    namespace = INVENTORY.release(service).namespace
    port = values_of(service)["service"]["port"]
    name = values_of(service)["fullnameOverride"] or service
    manifest = release(service)

    rollout = manifest.get("Rollout", name)
    for obj in manifest:
        assert obj["metadata"]["namespace"] == namespace
        assert obj["metadata"]["labels"]["app.kubernetes.io/instance"] == service
    for kind in ("Rollout", "Service", "ServiceMonitor", "AnalysisTemplate", "ServiceAccount"):
        assert manifest.get(kind).get("metadata")["name"] == name
    assert manifest.get("ConfigMap")["metadata"]["name"] == f"{name}-dashboard"
    assert not manifest.all("Deployment")

    service_obj = manifest.get("Service", name)
    http = {p["name"]: p for p in service_obj["spec"]["ports"]}["http"]
    assert http["port"] == port and http["targetPort"] == "http"
    api = container(rollout, "api")
    assert {p["name"]: p["containerPort"] for p in api["ports"]} == {"http": port}

    labels = pod_template_metadata(rollout)["labels"]
    assert labels["service"] == values_of(service)["serviceName"]
    assert labels["app.kubernetes.io/name"] == "api"
    assert labels["app.kubernetes.io/version"] == api["image"].rsplit(":", 1)[1]
    # Argo Rollouts sets the version label per ReplicaSet.
    canary = rollout["spec"]["strategy"]["canary"]
    assert canary["canaryMetadata"]["labels"] == {"version": "canary"}
    assert canary["stableMetadata"]["labels"] == {"version": "stable"}


@pytest.mark.parametrize("service", SERVICES)
def test_image_is_the_services_own_and_pinned(release, values_of, service: str) -> None:
    api = container(release(service).get("Rollout"), "api")
    repository, tag = api["image"].rsplit(":", 1)
    image = values_of(service)["image"]
    assert repository == "/".join(p for p in (image["registry"], image["repository"]) if p)
    assert tag == image["tag"] and tag != "latest" and tag[0].isdigit()


@pytest.mark.parametrize("service", SERVICES)
def test_analysis_and_monitoring_target_the_platform_prometheus(release, service: str) -> None:
    manifest = release(service)
    template = manifest.get("AnalysisTemplate")
    for metric in template["spec"]["metrics"]:
        assert metric["provider"]["prometheus"]["address"] == (
            "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090"
        )
    monitor = manifest.get("ServiceMonitor")
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"


@pytest.mark.parametrize("service", SERVICES)
def test_env_is_the_values_files_plain_settings_and_secret_references(
    release, values_of, service: str
) -> None:
    api = container(release(service).get("Rollout"), "api")
    env = env_of(api)
    for name, value in values_of(service)["env"].items():
        if isinstance(value, dict):
            assert env[name] == {"name": name, "valueFrom": value}
        else:
            assert env[name] == {"name": name, "value": str(value)}
    assert all(set(entry) in ({"name", "value"}, {"name", "valueFrom"}) for entry in env.values())


def test_seedtest_is_an_r_analytics_client(release) -> None:
    manifest = release("seedtest-api")
    env = env_of(container(manifest.get("Rollout"), "api"))
    assert env["R_ANALYTICS_BASE_URL"]["value"] == (
        "http://r-analytics.seedtest.svc.cluster.local:80"
    )
    assert env["R_ANALYTICS_TIMEOUT_SECS"]["value"] == "20"
    assert env["R_ANALYTICS_TOKEN"] == {
        "name": "R_ANALYTICS_TOKEN",
        "valueFrom": {"secretKeyRef": {"name": "r-analytics-credentials", "key": "token"}},
    }


def test_seedtest_may_reach_r_analytics_and_dns_only(release) -> None:
    policy_obj = release("seedtest-api").get("NetworkPolicy")
    assert "Egress" in policy_obj["spec"]["policyTypes"]
    egress = policy_obj["spec"]["egress"]
    dns = [rule for rule in egress if {p["port"] for p in rule.get("ports", [])} == {53}]
    assert len(dns) == 1
    r_analytics = [rule for rule in egress if rule not in dns]
    assert r_analytics == [
        {
            "to": [
                {
                    "namespaceSelector": {
                        "matchLabels": {"kubernetes.io/metadata.name": "seedtest"}
                    },
                    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "r-analytics"}},
                }
            ],
            "ports": [{"port": 8010, "protocol": "TCP"}],
        }
    ]


def test_r_analytics_admits_seedtest_api_pods(render_release) -> None:
    """Both ends of the seedtest-api -> r-analytics connection agree."""
    seedtest = render_release("seedtest-api")
    labels = pod_template_metadata(seedtest.get("Rollout"))["labels"]
    r_policy = render_release("r-analytics").get("NetworkPolicy")
    peers = [peer for rule in r_policy["spec"]["ingress"] for peer in rule["from"]]
    assert any(
        "namespaceSelector" not in peer
        and all(labels.get(k) == v for k, v in peer["podSelector"]["matchLabels"].items())
        for peer in peers
    )


def test_mpcstudy_metrics_come_from_the_adapter_sidecar(release) -> None:
    manifest = release("mpcstudy-api")
    rollout = manifest.get("Rollout")
    adapter = container(rollout, "metrics-adapter")
    assert adapter["ports"] == [{"name": "metrics", "containerPort": 9117, "protocol": "TCP"}]
    for probe in ("readinessProbe", "livenessProbe"):
        assert adapter[probe]["httpGet"]["port"] == "metrics"
    assert adapter["securityContext"]["readOnlyRootFilesystem"] is True
    assert set(adapter["resources"]) == {"requests", "limits"}
    assert ":" in adapter["image"] and not adapter["image"].endswith(":latest")
    # the adapter reads the access log the app writes to the shared volume
    api = container(rollout, "api")
    logs = {m["name"]: m for m in api["volumeMounts"]}["apache-logs"]
    adapter_logs = {m["name"]: m for m in adapter["volumeMounts"]}["apache-logs"]
    assert adapter_logs["mountPath"] == logs["mountPath"] and adapter_logs["readOnly"] is True
    volumes = {v["name"]: v for v in pod_spec(rollout)["volumes"]}
    assert "emptyDir" in volumes["apache-logs"]

    ports = {p["name"]: p for p in manifest.get("Service")["spec"]["ports"]}
    assert ports["metrics"]["port"] == 9117 and ports["metrics"]["targetPort"] == "metrics"
    assert ports["http"]["port"] == 8010
    endpoints = manifest.get("ServiceMonitor")["spec"]["endpoints"]
    assert [e["port"] for e in endpoints] == ["metrics"]
    scrape_rules = [
        rule
        for rule in manifest.get("NetworkPolicy")["spec"]["ingress"]
        if any(
            (p.get("podSelector") or {}).get("matchLabels", {}).get("app.kubernetes.io/name")
            == "prometheus"
            for p in rule["from"]
        )
    ]
    assert [p["port"] for rule in scrape_rules for p in rule["ports"]] == ["metrics"]


@pytest.mark.parametrize("service", SERVICES)
def test_services_are_scraped_on_http_unless_the_adapter_serves_metrics(
    release, values_of, service: str
) -> None:
    manifest = release(service)
    adapter = values_of(service)["metricsAdapter"]
    endpoints = [e["port"] for e in manifest.get("ServiceMonitor")["spec"]["endpoints"]]
    containers = [c["name"] for c in pod_spec(manifest.get("Rollout"))["containers"]]
    if adapter["enabled"]:
        assert (endpoints, containers) == (["metrics"], ["api", adapter["name"]])
    else:
        assert (endpoints, containers) == (["http"], ["api"])


# -- environment overlays ------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_dev_overlay_relaxes(release, service: str) -> None:
    manifest = release(service, DEV)
    rollout = manifest.get("Rollout")
    assert rollout["spec"]["replicas"] == 1
    assert not manifest.all("HorizontalPodAutoscaler")
    assert not manifest.all("PodDisruptionBudget")
    pauses = [s["pause"] for s in rollout["spec"]["strategy"]["canary"]["steps"] if "pause" in s]
    assert pauses and all(p == {"duration": "10s"} for p in pauses)
    bare = container(release(service).get("Rollout"), "api")["resources"]
    dev = container(rollout, "api")["resources"]
    assert dev["limits"] == bare["limits"]
    assert dev["requests"] != bare["requests"]


@pytest.mark.parametrize("service", SERVICES)
def test_prod_overlay_hardens(release, service: str) -> None:
    manifest = release(service, PROD)
    rollout = manifest.get("Rollout")
    spec = pod_spec(rollout)
    hpa = find(manifest, "HorizontalPodAutoscaler")
    if hpa is not None:
        assert "replicas" not in rollout["spec"]
        assert hpa["spec"]["minReplicas"] >= 2
    else:
        assert rollout["spec"]["replicas"] >= 2
    pdb = manifest.get("PodDisruptionBudget")
    assert pdb["spec"]["maxUnavailable"] == 1
    assert "preferredDuringSchedulingIgnoredDuringExecution" in spec["affinity"]["podAntiAffinity"]
    zones = [c["topologyKey"] for c in spec["topologySpreadConstraints"]]
    assert zones == ["topology.kubernetes.io/zone"]
    # Timed pauses keep the values' durations in production.
    pauses = [s["pause"] for s in rollout["spec"]["strategy"]["canary"]["steps"] if "pause" in s]
    assert all(p == {"duration": "60s"} for p in pauses)
    # Alerting rules are on in production (test_api_alert_rules.py tests them).
    assert len(manifest.all("PrometheusRule")) == 1


@pytest.mark.parametrize("overlay", [None, DEV, PROD], ids=["bare", "dev", "prod"])
@pytest.mark.parametrize("service", SERVICES)
def test_passes_policy(release, service: str, overlay: str | None) -> None:
    overlays = (overlay,) if overlay else ()
    violations = policy.check(release(service, *overlays).objects)
    assert not violations, "\n".join(map(str, violations))


@pytest.mark.parametrize("helm", ["4.1.4", "3.18.0"])
def test_the_teams_command_validates_and_passes_policy(render_chart, validator, helm) -> None:
    """Exactly `helm template univprepai-api charts/api -f values/univprepai.yaml`."""
    manifest = render_chart(CHART, "values/univprepai.yaml", release="univprepai-api", helm=helm)
    assert manifest.kinds() == {
        "Rollout": 1,
        "AnalysisTemplate": 1,
        "Service": 1,
        "ServiceMonitor": 1,
        "ConfigMap": 1,
        "ServiceAccount": 1,
        "NetworkPolicy": 1,
        "HorizontalPodAutoscaler": 1,
        "PodDisruptionBudget": 1,
        "Pod": 1,
    }
    problems = validator.validate_all(list(manifest.objects))
    assert not problems, "\n".join(map(str, problems))
    violations = policy.check(manifest.objects)
    assert not violations, "\n".join(map(str, violations))


@pytest.mark.parametrize("service", SERVICES)
def test_both_helm_versions_render_the_same(release, service: str) -> None:
    for overlay in ((), (DEV,), (PROD,)):
        assert (
            release(service, *overlay).objects == release(service, *overlay, helm="3.18.0").objects
        )
