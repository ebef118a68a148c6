"""charts/r-analytics: the R Plumber analytics API (release r-analytics, namespace seedtest),
on the workload model of charts/common: its pod through common.podTemplate, the shared keys
and value rules, its own token, Service, NetworkPolicy and monitoring."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chart_fixtures import chart_release_fixture

from chartkit.checks import policy
from chartkit.releases.manifest import Manifest, container, pod_spec, pod_template_metadata
from helpers.helm_versions import HELMS

CHART = "r-analytics"
VALUES = "values/r-analytics.yaml"
DEV = "values/env/dev.yaml"
PROD = "values/env/prod.yaml"
RELEASE = "r-analytics"
NAMESPACE = "seedtest"
NAME = "r-analytics"
SECRET = "r-analytics-credentials"
PINNED_TAG = "1.0.0"


chart_under_test = chart_release_fixture(CHART, VALUES, release=RELEASE, namespace=NAMESPACE)


@pytest.fixture(scope="session")
def render_defaults(chart_release):
    """The chart's own defaults, without values/r-analytics.yaml."""
    return chart_release(CHART, release=RELEASE, namespace=NAMESPACE).render


def deployment(manifest: Manifest) -> dict[str, Any]:
    return manifest.get("Deployment", NAME)


def app_container(manifest: Manifest) -> dict[str, Any]:
    return container(deployment(manifest), "r-analytics")


def pod_labels(manifest: Manifest) -> dict[str, str]:
    return pod_template_metadata(deployment(manifest))["labels"]


def selects(match_labels: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in match_labels.items())


def env_by_name(manifest: Manifest) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in app_container(manifest).get("env") or []}


# -- inventory and objects ------------------------------------------------------------------


def test_renders_every_object_of_the_release(render):
    manifest = render()
    assert dict(manifest.kinds()) == {
        "Deployment": 1,
        "Service": 1,
        "ServiceAccount": 1,
        "ExternalSecret": 1,
        "HorizontalPodAutoscaler": 1,
        "PodDisruptionBudget": 1,
        "NetworkPolicy": 1,
        "ServiceMonitor": 1,
        "Pod": 1,
    }
    for obj in manifest:
        assert obj["metadata"]["namespace"] == NAMESPACE
    assert "PrometheusRule" not in manifest.kinds()


def test_prometheus_rules_only_when_the_prod_overlay_asks(render):
    # Off by default; the alerts themselves are tested in test_r_analytics_alert_rules.py.
    assert render(PROD).kinds()["PrometheusRule"] == 1


@pytest.mark.parametrize("overlays", [(), (DEV,), (PROD,)], ids=["bare", "dev", "prod"])
def test_helm_3_and_4_render_the_same_objects(render, overlays):
    assert render(*overlays, helm="4.1.4").objects == render(*overlays, helm="3.18.0").objects


@pytest.mark.parametrize(
    "set_values",
    [
        {},
        {"externalSecret.enabled": False, "existingSecret": "r-analytics-token"},
        {"podAntiAffinityPreset": "hard", "autoscaling.enabled": False},
        {"image.digest": "sha256:" + "a" * 64},
    ],
    ids=["default", "existing-secret", "hard-anti-affinity", "digest"],
)
@pytest.mark.parametrize("overlays", [(), (DEV,), (PROD,)], ids=["bare", "dev", "prod"])
def test_modes_validate_and_pass_policy(render, validator, set_values, overlays):
    manifest = render(*overlays, set_values=set_values)
    assert [str(p) for p in validator.validate_all(list(manifest.objects))] == []
    assert [str(v) for v in policy.check(manifest.objects)] == []


# -- Deployment -----------------------------------------------------------------------------


def test_deployment_has_no_replicas_while_the_hpa_owns_the_count(render):
    manifest = render()
    assert "replicas" not in deployment(manifest)["spec"]
    hpa = manifest.get("HorizontalPodAutoscaler", NAME)
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": NAME,
    }


def test_deployment_runs_two_replicas_without_the_hpa(render):
    manifest = render(set_values={"autoscaling.enabled": False})
    assert deployment(manifest)["spec"]["replicas"] == 2
    assert manifest.all("HorizontalPodAutoscaler") == []


def test_container_port_and_probes(render):
    item = app_container(render())
    assert item["ports"] == [{"name": "http", "containerPort": 8010, "protocol": "TCP"}]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert item[probe]["httpGet"] == {"path": "/health", "port": "http"}, probe
    startup = item["startupProbe"]
    # R loads its packages slowly: the startup probe allows minutes, not seconds.
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 300
    liveness, readiness = item["livenessProbe"], item["readinessProbe"]
    # A busy single-threaded R process leaves the Service long before it is restarted.
    assert (
        liveness["periodSeconds"] * liveness["failureThreshold"]
        > readiness["periodSeconds"] * readiness["failureThreshold"]
    )


def test_resources(render):
    assert app_container(render())["resources"] == {
        "requests": {"cpu": "1000m", "memory": "2Gi"},
        "limits": {"cpu": "4000m", "memory": "8Gi"},
    }


def test_dev_overlay_halves_requests_and_runs_one_pod(render):
    manifest = render(DEV)
    assert app_container(manifest)["resources"] == {
        "requests": {"cpu": "500m", "memory": "1024Mi"},
        "limits": {"cpu": "4000m", "memory": "8Gi"},
    }
    assert deployment(manifest)["spec"]["replicas"] == 1
    assert manifest.all("HorizontalPodAutoscaler") == []
    assert manifest.all("PodDisruptionBudget") == []


def test_prod_overlay_keeps_the_hpa_and_pdb(render):
    manifest = render(PROD)
    assert manifest.get("HorizontalPodAutoscaler")["spec"]["minReplicas"] == 2
    assert manifest.get("PodDisruptionBudget")["spec"]["maxUnavailable"] == 1


def test_rolling_update_keeps_capacity_and_history(render):
    spec = deployment(render())["spec"]
    assert spec["strategy"]["type"] == "RollingUpdate"
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert spec["strategy"]["rollingUpdate"]["maxSurge"] == 1
    assert spec["revisionHistoryLimit"] >= 3


def test_restricted_security_with_writable_tmp(render):
    manifest = render()
    spec = pod_spec(deployment(manifest))
    item = app_container(manifest)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False
    assert item["securityContext"]["readOnlyRootFilesystem"] is True
    assert item["securityContext"]["allowPrivilegeEscalation"] is False
    assert item["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert {"name": "tmp", "mountPath": "/tmp"} in item["volumeMounts"]
    tmp = next(v for v in spec["volumes"] if v["name"] == "tmp")
    assert "emptyDir" in tmp
    account = manifest.get("ServiceAccount", NAME)
    assert account["automountServiceAccountToken"] is False
    assert spec["serviceAccountName"] == NAME


def test_pod_labels_carry_the_image_tag_as_version(render):
    labels = pod_labels(render(set_values={"image.tag": "2.3.4"}))
    assert labels["app.kubernetes.io/version"] == "2.3.4"
    assert labels["app.kubernetes.io/name"] == NAME
    assert labels["app.kubernetes.io/instance"] == RELEASE
    manifest = render()
    selector = deployment(manifest)["spec"]["selector"]["matchLabels"]
    assert selector == {"app.kubernetes.io/name": NAME, "app.kubernetes.io/instance": RELEASE}


# -- scheduling ---------------------------------------------------------------------------


def test_soft_anti_affinity_and_zone_spread_by_default(render):
    manifest = render()
    spec = pod_spec(deployment(manifest))
    anti = spec["affinity"]["podAntiAffinity"]
    preferred = anti["preferredDuringSchedulingIgnoredDuringExecution"]
    term = preferred[0]["podAffinityTerm"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert selects(term["labelSelector"]["matchLabels"], pod_labels(manifest))
    assert "requiredDuringSchedulingIgnoredDuringExecution" not in anti
    [zone] = spec["topologySpreadConstraints"]
    assert zone["topologyKey"] == "topology.kubernetes.io/zone"
    assert zone["whenUnsatisfiable"] == "ScheduleAnyway"
    assert selects(zone["labelSelector"]["matchLabels"], pod_labels(manifest))


def test_hard_anti_affinity_as_an_option(render):
    manifest = render(set_values={"podAntiAffinityPreset": "hard"})
    anti = pod_spec(deployment(manifest))["affinity"]["podAntiAffinity"]
    [term] = anti["requiredDuringSchedulingIgnoredDuringExecution"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert "preferredDuringSchedulingIgnoredDuringExecution" not in anti


def test_no_spread_when_turned_off(render):
    spec = pod_spec(
        deployment(render(set_values={"podAntiAffinityPreset": "none", "zoneSpread": False}))
    )
    assert "affinity" not in spec
    assert "topologySpreadConstraints" not in spec


# -- image ----------------------------------------------------------------------------------


def test_default_image_is_artifact_registry_with_a_pinned_tag(render, render_defaults):
    item = app_container(render_defaults())
    assert item["image"] == (
        f"asia-northeast3-docker.pkg.dev/univprepai/seedtest/r-analytics:{PINNED_TAG}"
    )
    assert item["imagePullPolicy"] == "IfNotPresent"
    assert app_container(render())["image"].endswith(f"/r-analytics:{PINNED_TAG}")


def test_gcr_path_pull_policy_and_pull_secrets_from_values(render):
    manifest = render(
        set_values={
            "image.repository": "gcr.io/univprepai/r-analytics",
            "image.tag": "0.9.1",
            "image.pullPolicy": "Always",
            "imagePullSecrets": ["gcr-pull"],
        }
    )
    item = app_container(manifest)
    assert item["image"] == "gcr.io/univprepai/r-analytics:0.9.1"
    assert item["imagePullPolicy"] == "Always"
    assert pod_spec(deployment(manifest))["imagePullSecrets"] == [{"name": "gcr-pull"}]


def test_digest_pins_the_image(render):
    digest = "sha256:" + "b" * 64
    item = app_container(render(set_values={"image.digest": digest}))
    assert item["image"].endswith(f"/r-analytics@{digest}")


@pytest.mark.parametrize("helm", HELMS)
def test_latest_tag_is_refused(refuse, helm):
    assert "image.tag" in refuse({"image.tag": "latest"}, helm=helm).replace("/", ".")


# -- Service ------------------------------------------------------------------------------


def test_service_port_80_to_8010(render):
    manifest = render()
    service = manifest.get("Service", NAME)
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": 8010, "protocol": "TCP"}
    ]
    assert selects(service["spec"]["selector"], pod_labels(manifest))


# -- internal token -------------------------------------------------------------------------


def test_external_secret(render):
    manifest = render()
    external = manifest.get("ExternalSecret", SECRET)
    assert external["apiVersion"] == "external-secrets.io/v1"
    assert external["spec"] == {
        "refreshInterval": "1h",
        "secretStoreRef": {"name": "gcpsm-secret-store", "kind": "SecretStore"},
        "target": {"name": SECRET, "creationPolicy": "Owner"},
        "data": [{"secretKey": "token", "remoteRef": {"key": "r-analytics-internal-token"}}],
    }
    assert env_by_name(manifest)["R_ANALYTICS_INTERNAL_TOKEN"] == {
        "name": "R_ANALYTICS_INTERNAL_TOKEN",
        "valueFrom": {"secretKeyRef": {"name": SECRET, "key": "token"}},
    }


def test_existing_secret_replaces_the_external_secret(render):
    manifest = render(
        set_values={
            "externalSecret.enabled": False,
            "existingSecret": "r-analytics-token",
            "tokenKey": "internal-token",
        }
    )
    assert manifest.all("ExternalSecret") == []
    assert env_by_name(manifest)["R_ANALYTICS_INTERNAL_TOKEN"]["valueFrom"] == {
        "secretKeyRef": {"name": "r-analytics-token", "key": "internal-token"}
    }


def test_token_key_is_shared_by_external_secret_and_pod(render):
    manifest = render(set_values={"tokenKey": "internal-token"})
    [item] = manifest.get("ExternalSecret")["spec"]["data"]
    assert item["secretKey"] == "internal-token"
    ref = env_by_name(manifest)["R_ANALYTICS_INTERNAL_TOKEN"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": SECRET, "key": "internal-token"}


@pytest.mark.parametrize("helm", HELMS)
def test_both_token_sources_are_refused(refuse, helm):
    error = refuse({"existingSecret": "r-analytics-token"}, helm=helm)
    assert "externalSecret.enabled" in error
    assert "existingSecret" in error
    assert "exactly one" in error


@pytest.mark.parametrize("helm", HELMS)
def test_no_token_source_is_refused(refuse, helm):
    error = refuse({"externalSecret.enabled": False, "existingSecret": ""}, helm=helm)
    assert "externalSecret.enabled" in error
    assert "existingSecret" in error


@pytest.mark.parametrize(
    "set_values",
    [{}, {"externalSecret.enabled": False, "existingSecret": "r-analytics-token"}],
    ids=["external-secret", "existing-secret"],
)
@pytest.mark.parametrize("overlays", [(), (DEV,), (PROD,)], ids=["bare", "dev", "prod"])
def test_token_value_never_rendered(render, set_values, overlays):
    manifest = render(*overlays, set_values=set_values)
    assert manifest.all("Secret") == []
    assert manifest.all("ConfigMap") == []
    for workload in manifest.workloads():
        for item in pod_spec(workload).get("containers") or []:
            for env in item.get("env") or []:
                if "TOKEN" in env["name"]:
                    assert "value" not in env
                    assert set(env["valueFrom"]) == {"secretKeyRef"}
    text = json.dumps(manifest.objects)
    assert "stringData" not in text
    assert not [v for v in policy.check(manifest.objects) if v.rule == "no-secret-literals"]


@pytest.mark.parametrize("helm", HELMS)
def test_a_literal_token_cannot_be_given(refuse, helm):
    error = refuse({"env": {"R_ANALYTICS_INTERNAL_TOKEN": "not-a-real-token"}}, helm=helm)
    assert "env.R_ANALYTICS_INTERNAL_TOKEN" in error
    assert "not-a-real-token" not in error
    assert "token" in refuse({"token": "not-a-real-token"}, helm=helm)


# -- ServiceMonitor -------------------------------------------------------------------------


def test_service_monitor_keeps_todays_scrape(render):
    manifest = render()
    monitor = manifest.get("ServiceMonitor", NAME)
    [endpoint] = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "http"
    assert endpoint["path"] == "/health"
    assert endpoint["interval"] == "30s"
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    service = manifest.get("Service", NAME)
    assert selects(monitor["spec"]["selector"]["matchLabels"], service["metadata"]["labels"])
    assert "http" in [port["name"] for port in service["spec"]["ports"]]


def test_service_monitor_path_and_interval_from_values(render, render_defaults):
    [endpoint] = render(
        set_values={"serviceMonitor.path": "/metrics", "serviceMonitor.interval": "15s"}
    ).get("ServiceMonitor")["spec"]["endpoints"]
    assert (endpoint["path"], endpoint["interval"]) == ("/metrics", "15s")
    chart_default = render_defaults().get("ServiceMonitor")["spec"]["endpoints"][0]
    assert chart_default["path"] == "/metrics"


def test_service_monitor_can_be_turned_off(render):
    assert render(set_values={"serviceMonitor.enabled": False}).all("ServiceMonitor") == []


# -- HPA and PDB ----------------------------------------------------------------------------


def test_hpa(render):
    hpa = render().get("HorizontalPodAutoscaler", NAME)
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    targets = {
        m["resource"]["name"]: m["resource"]["target"]["averageUtilization"]
        for m in hpa["spec"]["metrics"]
    }
    assert targets == {"cpu": 70, "memory": 80}


def test_hpa_can_scale_on_cpu_only(render):
    hpa = render(set_values={"autoscaling.targetMemoryUtilizationPercentage": None}).get(
        "HorizontalPodAutoscaler"
    )
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]


def test_pdb_never_blocks_drains(render):
    manifest = render()
    pdb = manifest.get("PodDisruptionBudget", NAME)
    assert pdb["spec"]["maxUnavailable"] == 1
    assert "minAvailable" not in pdb["spec"]
    assert pdb["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"
    assert selects(pdb["spec"]["selector"]["matchLabels"], pod_labels(manifest))


def test_no_pdb_for_a_single_pod(render):
    manifest = render(set_values={"autoscaling.enabled": False, "replicaCount": 1})
    assert manifest.all("PodDisruptionBudget") == []


# -- NetworkPolicy --------------------------------------------------------------------------


def test_network_policy_admits_seedtest_api_and_prometheus_on_8010_only(render):
    manifest = render()
    netpol = manifest.get("NetworkPolicy", NAME)
    spec = netpol["spec"]
    assert selects(spec["podSelector"]["matchLabels"], pod_labels(manifest))
    assert spec["policyTypes"] == ["Ingress"]
    [rule] = spec["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8010}]
    peers = rule["from"]
    assert {"podSelector": {"matchLabels": {"app.kubernetes.io/instance": "seedtest-api"}}} in peers
    assert {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
    } in peers
    # The helm test pod reaches the Service too, and nothing else is admitted.
    test_pod = manifest.get("Pod")
    others = [
        p
        for p in peers
        if "namespaceSelector" not in p
        and selects(p["podSelector"]["matchLabels"], test_pod["metadata"]["labels"])
    ]
    assert len(others) == 1
    assert len(peers) == 3
    for peer in peers:
        assert peer.get("podSelector", {}).get("matchLabels"), "a peer must not admit a namespace"


def test_network_policy_peers_from_values(render):
    manifest = render(
        set_values={
            "networkPolicy.ingressFrom": [{"namespace": "reports", "podLabels": {"app": "pdf"}}],
            "tests.enabled": False,
        }
    )
    [rule] = manifest.get("NetworkPolicy")["spec"]["ingress"]
    assert rule["from"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "reports"}},
            "podSelector": {"matchLabels": {"app": "pdf"}},
        }
    ]


@pytest.mark.parametrize("helm", HELMS)
def test_empty_network_policy_peers_are_refused(refuse, helm):
    assert "ingressFrom" in refuse({"networkPolicy.ingressFrom": []}, helm=helm)


# -- helm test ------------------------------------------------------------------------------


def test_helm_test_calls_health_through_the_service(render):
    pod = render().get("Pod")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    [item] = pod["spec"]["containers"]
    assert "http://r-analytics.seedtest.svc:80/health" in item["args"]
    repository, tag = item["image"].rsplit(":", 1)
    assert repository == "curlimages/curl"
    assert tag not in ("", "latest")
    assert item["resources"]["requests"] and item["resources"]["limits"]
    assert pod["spec"]["automountServiceAccountToken"] is False


# -- the workload model's keys ---------------------------------------------------------------


def test_env_reads_values_from_secrets_and_the_pod(render):
    env = env_by_name(
        render(
            set_values={
                "env": {
                    "R_LIBS_USER": "/tmp/R",
                    "DB_PASSWORD": {"secretKeyRef": {"name": "r-db", "key": "password"}},
                    "POD_NAME": {"fieldRef": {"fieldPath": "metadata.name"}},
                }
            }
        )
    )
    assert env["R_LIBS_USER"] == {"name": "R_LIBS_USER", "value": "/tmp/R"}
    assert env["DB_PASSWORD"]["valueFrom"] == {"secretKeyRef": {"name": "r-db", "key": "password"}}
    assert env["POD_NAME"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    # the chart's own token comes first, the values' env after it, sorted by name
    assert list(env) == ["R_ANALYTICS_INTERNAL_TOKEN", "DB_PASSWORD", "POD_NAME", "R_LIBS_USER"]


def test_tmp_dir_size_and_rolling_update_from_the_shared_keys(render):
    manifest = render(
        set_values={
            "tmpDir.sizeLimit": "2Gi",
            "updateStrategy.rollingUpdate": {"maxSurge": "50%", "maxUnavailable": 1},
        }
    )
    tmp = next(v for v in pod_spec(deployment(manifest))["volumes"] if v["name"] == "tmp")
    assert tmp == {"name": "tmp", "emptyDir": {"sizeLimit": "2Gi"}}
    assert deployment(manifest)["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "50%", "maxUnavailable": 1},
    }


def test_probe_paths_are_set_per_probe(render):
    item = app_container(
        render(set_values={"probes.liveness.path": "/alive", "probes.readiness.path": "/ready"})
    )
    assert item["startupProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert item["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    assert item["livenessProbe"]["httpGet"] == {"path": "/alive", "port": "http"}


def test_the_port_follows_container_ports_http(render):
    manifest = render(set_values={"containerPorts.http": 8020})
    assert app_container(manifest)["ports"] == [
        {"name": "http", "containerPort": 8020, "protocol": "TCP"}
    ]
    assert manifest.get("Service", NAME)["spec"]["ports"][0]["targetPort"] == 8020
    [rule] = manifest.get("NetworkPolicy", NAME)["spec"]["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8020}]


def test_a_sidecar_goes_through_the_same_container_renderer(render):
    manifest = render(
        DEV,
        set_values={
            "sidecars": {
                "log-shipper": {
                    "image": {"repository": "fluent/fluent-bit", "tag": "3.2.2"},
                    "resources": {
                        "requests": {"cpu": "20m", "memory": "32Mi"},
                        "limits": {"cpu": "100m", "memory": "64Mi"},
                    },
                }
            }
        },
    )
    shipper = container(deployment(manifest), "log-shipper")
    assert shipper["securityContext"] == app_container(manifest)["securityContext"]
    assert {"name": "tmp", "mountPath": "/tmp"} in shipper["volumeMounts"]
    assert shipper["resources"]["requests"] == {"cpu": "10m", "memory": "16Mi"}  # dev: 50%
