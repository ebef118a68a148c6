"""charts/api workload: Rollout and Deployment modes, scaling, disruption budget, pod
defaults, Service, Ingress, NetworkPolicy, helm test, and the cross-field rules."""

from __future__ import annotations

from typing import Any

import pytest
from chart_fixtures import chart_release_fixture

from chartkit.checks import policy
from chartkit.releases.manifest import Manifest, container, pod_spec, pod_template_metadata

CHART = "api"
VALUES = "values/univprepai.yaml"
RELEASE = "univprepai-api"
NAMESPACE = "univprepai"
NAME = "univprepai-api"
DEV = "values/env/dev.yaml"
PROD = "values/env/prod.yaml"
# univprepai runs an HPA; most tests here want a plain replica count to start from.
NO_HPA = {"autoscaling.enabled": False}


chart_under_test = chart_release_fixture(CHART, VALUES, release=RELEASE, namespace=NAMESPACE)


def workload(manifest: Manifest) -> dict[str, Any]:
    (found,) = [o for o in manifest if o["kind"] in ("Rollout", "Deployment")]
    return found


# -- Rollout and Deployment modes ------------------------------------------------------------


def test_rollout_mode_is_the_default(render) -> None:
    manifest = render(set_values=NO_HPA)
    rollout = manifest.get("Rollout", NAME)
    assert rollout["apiVersion"] == "argoproj.io/v1alpha1"
    assert "canary" in rollout["spec"]["strategy"]
    assert not manifest.all("Deployment")
    assert manifest.get("AnalysisTemplate", NAME)


def test_deployment_mode_renders_no_argo_resources(render) -> None:
    manifest = render(set_values={**NO_HPA, "rollouts.enabled": False})
    deployment = manifest.get("Deployment", NAME)
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
    }
    assert not [o for o in manifest if o["apiVersion"].startswith("argoproj.io/")]


@pytest.mark.parametrize("overlay", [None, DEV, PROD], ids=["bare", "dev", "prod"])
def test_deployment_mode_has_the_same_pods_as_rollout_mode(render, overlay) -> None:
    overlays = (overlay,) if overlay else ()
    rollout = render(*overlays).get("Rollout")
    deployment = render(*overlays, set_values={"rollouts.enabled": False}).get("Deployment")
    assert pod_spec(deployment) == pod_spec(rollout)
    rollout_labels = pod_template_metadata(rollout)["labels"]
    deployment_labels = pod_template_metadata(deployment)["labels"]
    # Argo Rollouts adds version canary/stable itself; a Deployment's pods carry it from values.
    assert deployment_labels == {**rollout_labels, "version": "stable"}
    assert "version" not in rollout_labels
    for key in ("selector", "revisionHistoryLimit", "minReadySeconds", "progressDeadlineSeconds"):
        assert deployment["spec"].get(key) == rollout["spec"].get(key)
    assert deployment["spec"].get("replicas") == rollout["spec"].get("replicas")


def test_deployment_mode_version_label_follows_values(render) -> None:
    deployment = render(set_values={"rollouts.enabled": False, "version": "canary"}).get(
        "Deployment"
    )
    assert pod_template_metadata(deployment)["labels"]["version"] == "canary"


def test_rollout_never_drops_capacity(render) -> None:
    canary = render(set_values=NO_HPA).get("Rollout")["spec"]["strategy"]["canary"]
    assert canary["maxUnavailable"] == 0
    assert canary["maxSurge"] == "25%"


# -- scaling and disruption -------------------------------------------------------------------


@pytest.mark.parametrize("rollouts", [True, False], ids=["rollout", "deployment"])
def test_hpa_owns_the_replica_count(render, rollouts: bool) -> None:
    manifest = render(
        set_values={
            "rollouts.enabled": rollouts,
            "autoscaling.enabled": True,
            "autoscaling.minReplicas": 3,
            "autoscaling.maxReplicas": 9,
        }
    )
    target = workload(manifest)
    assert "replicas" not in target["spec"]
    hpa = manifest.get("HorizontalPodAutoscaler", NAME)
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "argoproj.io/v1alpha1" if rollouts else "apps/v1",
        "kind": "Rollout" if rollouts else "Deployment",
        "name": NAME,
    }
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 9)
    metrics = {m["resource"]["name"]: m["resource"]["target"] for m in hpa["spec"]["metrics"]}
    assert metrics == {
        "cpu": {"type": "Utilization", "averageUtilization": 70},
        "memory": {"type": "Utilization", "averageUtilization": 80},
    }


def test_without_hpa_the_workload_sets_replicas(render) -> None:
    manifest = render(set_values={**NO_HPA, "replicaCount": 3})
    assert manifest.get("Rollout")["spec"]["replicas"] == 3
    assert not manifest.all("HorizontalPodAutoscaler")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({**NO_HPA, "replicaCount": 1}, False),
        ({**NO_HPA, "replicaCount": 2}, True),
        ({"autoscaling.enabled": True, "autoscaling.minReplicas": 1}, False),
        ({"autoscaling.enabled": True, "autoscaling.minReplicas": 2}, True),
        ({**NO_HPA, "replicaCount": 3, "podDisruptionBudget.enabled": False}, False),
    ],
)
def test_pdb_whenever_two_pods_run(render, values: dict[str, Any], expected: bool) -> None:
    manifest = render(set_values=values)
    pdbs = manifest.all("PodDisruptionBudget")
    assert bool(pdbs) is expected
    if pdbs:
        assert pdbs[0]["spec"]["maxUnavailable"] == 1
        assert pdbs[0]["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"
        assert pdbs[0]["spec"]["selector"] == workload(manifest)["spec"]["selector"]


# -- pod defaults ------------------------------------------------------------------------------


def test_pod_defaults_hold_in_production(render) -> None:
    rollout = render(set_values=NO_HPA).get("Rollout")
    spec = pod_spec(rollout)
    api = container(rollout, "api")
    assert spec["automountServiceAccountToken"] is False
    assert spec["serviceAccountName"] == NAME
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    security = api["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert {"name": "tmp", "mountPath": "/tmp"} in api["volumeMounts"]
    assert {"name": "tmp", "emptyDir": {"sizeLimit": "128Mi"}} in spec["volumes"]
    assert set(api["resources"]["requests"]) == {"cpu", "memory"}
    assert set(api["resources"]["limits"]) == {"cpu", "memory"}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert api[probe]["httpGet"] == {"path": "/health", "port": "http"}
    sleep = api["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert 0 < sleep < spec["terminationGracePeriodSeconds"]


def test_probe_paths_and_timings_follow_values(render) -> None:
    api = container(
        render(
            set_values={
                "probes.readiness.path": "/ready",
                "probes.liveness.path": "/live",
                "probes.startup.path": "/started",
                "probes.startup.failureThreshold": 60,
            }
        ).get("Rollout"),
        "api",
    )
    assert api["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert api["livenessProbe"]["httpGet"]["path"] == "/live"
    assert api["startupProbe"]["httpGet"]["path"] == "/started"
    assert api["startupProbe"]["failureThreshold"] == 60


def test_startup_probe_can_be_turned_off(render) -> None:
    api = container(render(set_values={"probes.startup.enabled": False}).get("Rollout"), "api")
    assert "startupProbe" not in api
    assert api["readinessProbe"] and api["livenessProbe"]


def test_prestop_sleep_zero_removes_the_hook(render) -> None:
    api = container(render(set_values={"preStopSleepSeconds": 0}).get("Rollout"), "api")
    assert "lifecycle" not in api


def test_env_envfrom_and_secret_refs(render) -> None:
    api = container(
        render(
            set_values={
                "env": {
                    "FEATURE_X": "on",
                    "WORKERS": 4,
                    "DB_PASSWORD": {"secretKeyRef": {"name": "db", "key": "password"}},
                },
                "extraEnv": [
                    {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}
                ],
                "envFrom": [{"configMapRef": {"name": "shared-settings"}}],
            }
        ).get("Rollout"),
        "api",
    )
    env = {e["name"]: e for e in api["env"]}
    assert env["FEATURE_X"]["value"] == "on"
    assert env["WORKERS"]["value"] == "4"
    assert env["DB_PASSWORD"]["valueFrom"] == {"secretKeyRef": {"name": "db", "key": "password"}}
    assert env["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
    assert api["envFrom"] == [{"configMapRef": {"name": "shared-settings"}}]


def test_extra_volumes_and_sidecars(render) -> None:
    manifest = render(
        DEV,
        set_values={
            "extraVolumes": [{"name": "cache", "emptyDir": {}}],
            "extraVolumeMounts": [{"name": "cache", "mountPath": "/var/cache/app"}],
            "sidecars": {
                "proxy": {
                    "image": {"repository": "envoyproxy/envoy", "tag": "v1.31.2"},
                    "containerPorts": {"admin": 9901},
                    "containerSecurityContext": {"runAsUser": 1002},
                    "resources": {
                        "requests": {"cpu": "50m", "memory": "64Mi"},
                        "limits": {"cpu": "200m", "memory": "128Mi"},
                    },
                    "probes": {"readiness": {"port": "admin"}, "liveness": {"port": 9901}},
                }
            },
        },
    )
    rollout = manifest.get("Rollout")
    assert {"name": "cache", "mountPath": "/var/cache/app"} in container(rollout, "api")[
        "volumeMounts"
    ]
    assert {"name": "cache", "emptyDir": {}} in pod_spec(rollout)["volumes"]
    proxy = container(rollout, "proxy")
    assert proxy["image"] == "envoyproxy/envoy:v1.31.2"
    assert proxy["readinessProbe"]["tcpSocket"] == {"port": "admin"}
    assert proxy["livenessProbe"]["tcpSocket"] == {"port": 9901}
    assert {"name": "tmp", "mountPath": "/tmp"} in proxy["volumeMounts"]
    # the sidecar's own key wins; restricted defaults fill the rest
    assert proxy["securityContext"]["runAsUser"] == 1002
    assert proxy["securityContext"]["readOnlyRootFilesystem"] is True
    assert proxy["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    # dev halves requests of sidecars too, limits unchanged
    assert proxy["resources"]["requests"] == {"cpu": "25m", "memory": "32Mi"}
    assert proxy["resources"]["limits"] == {"cpu": "200m", "memory": "128Mi"}
    assert not policy.check(manifest.objects)


def test_pod_labels_and_annotations(render) -> None:
    rollout = render(
        set_values={"podLabels": {"team": "univprepai"}, "podAnnotations": {"a": "b"}}
    ).get("Rollout")
    meta = pod_template_metadata(rollout)
    assert meta["labels"]["team"] == "univprepai"
    assert meta["annotations"] == {"a": "b"}


def test_scheduling_settings_pass_through(render) -> None:
    spec = pod_spec(
        render(
            set_values={
                "nodeSelector": {"pool": "api"},
                "tolerations": [{"key": "api", "operator": "Exists", "effect": "NoSchedule"}],
                "priorityClassName": "api-critical",
                "podAntiAffinityPreset": "hard",
            }
        ).get("Rollout")
    )
    assert spec["nodeSelector"] == {"pool": "api"}
    assert spec["tolerations"][0]["key"] == "api"
    assert spec["priorityClassName"] == "api-critical"
    assert spec["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]


def test_no_empty_optional_blocks(render) -> None:
    spec = pod_spec(render(set_values=NO_HPA).get("Rollout"))
    for key in ("affinity", "nodeSelector", "tolerations", "topologySpreadConstraints"):
        assert key not in spec


# -- Service, Ingress, NetworkPolicy, helm test ---------------------------------------------


def test_service_selects_the_pods(render) -> None:
    manifest = render(set_values=NO_HPA)
    service = manifest.get("Service", NAME)
    labels = pod_template_metadata(manifest.get("Rollout"))["labels"]
    assert service["spec"]["type"] == "ClusterIP"
    assert all(labels[k] == v for k, v in service["spec"]["selector"].items())
    assert [p["name"] for p in service["spec"]["ports"]] == ["http"]


def test_ingress(render) -> None:
    assert not render(set_values=NO_HPA).all("Ingress")
    ingress = render(
        set_values={
            "ingress.enabled": True,
            "ingress.hosts": [{"host": "api.univprepai.example.org"}],
            "ingress.tls": [{"hosts": ["api.univprepai.example.org"], "secretName": "univ-tls"}],
        }
    ).get("Ingress", NAME)
    assert ingress["spec"]["ingressClassName"] == "nginx"
    rule = ingress["spec"]["rules"][0]
    assert rule["host"] == "api.univprepai.example.org"
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": NAME, "port": {"name": "http"}}
    assert ingress["spec"]["tls"] == [
        {"hosts": ["api.univprepai.example.org"], "secretName": "univ-tls"}
    ]


def test_network_policy_defaults(render) -> None:
    manifest = render(set_values=NO_HPA)
    netpol = manifest.get("NetworkPolicy", NAME)
    spec = netpol["spec"]
    assert (
        spec["podSelector"]["matchLabels"]
        == manifest.get("Rollout")["spec"]["selector"]["matchLabels"]
    )
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    sources = {
        (
            peer.get("namespaceSelector", {})
            .get("matchLabels", {})
            .get("kubernetes.io/metadata.name"),
            peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name"),
        ): [p["port"] for p in rule["ports"]]
        for rule in spec["ingress"]
        for peer in rule["from"]
    }
    assert sources == {
        ("ingress-nginx", "ingress-nginx"): ["http"],
        ("monitoring", "prometheus"): ["http"],
        (None, "api-test"): ["http"],
    }
    # egress: DNS only by default
    assert len(spec["egress"]) == 1
    assert {p["port"] for p in spec["egress"][0]["ports"]} == {53}


def test_helm_test_pod_may_reach_the_api(render) -> None:
    manifest = render(set_values=NO_HPA)
    test_pod = manifest.get("Pod")
    netpol = manifest.get("NetworkPolicy")
    test_labels = test_pod["metadata"]["labels"]
    allowed = [
        peer
        for rule in netpol["spec"]["ingress"]
        for peer in rule["from"]
        if "podSelector" in peer
        and "namespaceSelector" not in peer
        and all(test_labels.get(k) == v for k, v in peer["podSelector"]["matchLabels"].items())
    ]
    assert allowed
    args = test_pod["spec"]["containers"][0]["args"]
    assert args[-1] == f"http://{NAME}.{NAMESPACE}.svc.cluster.local:8006/health"
    assert test_pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert test_pod["spec"]["containers"][0]["image"] == "curlimages/curl:8.17.0"


def test_network_policy_egress_can_be_left_open(render) -> None:
    spec = render(set_values={"networkPolicy.egress.restricted": False}).get("NetworkPolicy")[
        "spec"
    ]
    assert spec["policyTypes"] == ["Ingress"]
    assert "egress" not in spec


def test_network_policy_extra_rules_and_off(render) -> None:
    extra_in = [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}]
    extra_out = [{"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}], "ports": [{"port": 5432}]}]
    spec = render(
        set_values={"networkPolicy.extraIngress": extra_in, "networkPolicy.egress.extra": extra_out}
    ).get("NetworkPolicy")["spec"]
    assert spec["ingress"][-1] == extra_in[0]
    assert spec["egress"][-1] == extra_out[0]
    assert not render(set_values={"networkPolicy.enabled": False}).all("NetworkPolicy")


def test_service_account_token_is_not_mounted(render) -> None:
    account = render(set_values=NO_HPA).get("ServiceAccount", NAME)
    assert account["automountServiceAccountToken"] is False


# -- cross-field rules ------------------------------------------------------------------------


def test_prestop_sleep_must_end_before_the_grace_period(refuse) -> None:
    error = refuse({"preStopSleepSeconds": 30, "terminationGracePeriodSeconds": 30})
    expected = "values error: preStopSleepSeconds: 30 must be below terminationGracePeriodSeconds"
    assert expected in error


def test_analysis_steps_need_the_analysis_template(refuse, render) -> None:
    error = refuse({"analysis.enabled": False})
    assert "rollouts.steps[2].analysis" in error
    manifest = render(
        set_values={"analysis.enabled": False, "rollouts.steps": [{"setWeight": 20}, {"pause": {}}]}
    )
    assert not manifest.all("AnalysisTemplate")
    assert manifest.get("Rollout")["spec"]["strategy"]["canary"]["steps"] == [
        {"setWeight": 20},
        {"pause": {}},
    ]


def test_ingress_needs_a_host(refuse) -> None:
    assert "values error: ingress.hosts: is empty" in refuse({"ingress.enabled": True})


def test_metrics_adapter_needs_a_pinned_image_and_its_own_port(refuse) -> None:
    no_tag = refuse(
        {"metricsAdapter.enabled": True, "metricsAdapter.image.repository": "example/adapter"}
    )
    assert "metricsAdapter.image.tag" in no_tag
    no_repository = refuse({"metricsAdapter.enabled": True, "metricsAdapter.image.tag": "1.0"})
    assert "metricsAdapter.image.repository" in no_repository
    same_port = refuse(
        {
            "metricsAdapter.enabled": True,
            "metricsAdapter.image.repository": "example/adapter",
            "metricsAdapter.image.tag": "1.0",
            "metricsAdapter.port": 8006,
        }
    )
    assert "metricsAdapter.port" in same_port


# -- every mode validates strictly and passes policy ------------------------------------------

ADAPTER = {
    "metricsAdapter.enabled": True,
    "metricsAdapter.image.repository": "ghcr.io/dreamseedai/access-log-metrics-adapter",
    "metricsAdapter.image.tag": "0.6.1",
}
MODES: dict[str, dict[str, Any]] = {
    "rollout-replicas": NO_HPA,
    "rollout-hpa": {"autoscaling.enabled": True},
    "deployment-replicas": {**NO_HPA, "rollouts.enabled": False},
    "deployment-hpa": {"rollouts.enabled": False, "autoscaling.enabled": True},
    "adapter": ADAPTER,
    "ingress-tls": {
        "ingress.enabled": True,
        "ingress.hosts": [{"host": "a.example.org", "paths": [{"path": "/v1"}]}],
        "ingress.tls": [{"hosts": ["a.example.org"], "secretName": "a-tls"}],
    },
    "egress-open": {"networkPolicy.egress.restricted": False},
    "manual-promotion": {"rollouts.steps": [{"setWeight": 20}, {"pause": {}}]},
    "digest": {"image.digest": "sha256:" + "a" * 64},
    "no-optional-objects": {
        **NO_HPA,
        "replicaCount": 1,
        "serviceAccount.create": False,
        "networkPolicy.enabled": False,
        "serviceMonitor.enabled": False,
        "dashboard.enabled": False,
        "tests.enabled": False,
    },
}


@pytest.mark.parametrize("overlay", [None, DEV, PROD], ids=["bare", "dev", "prod"])
@pytest.mark.parametrize("mode", MODES)
def test_mode_validates_and_passes_policy(render, validator, mode: str, overlay) -> None:
    overlays = (overlay,) if overlay else ()
    manifest = render(*overlays, set_values=MODES[mode])
    problems = validator.validate_all(list(manifest.objects))
    assert not problems, "\n".join(map(str, problems))
    violations = policy.check(manifest.objects)
    assert not violations, "\n".join(map(str, violations))


def test_digest_replaces_the_tag(render) -> None:
    api = container(render(set_values=MODES["digest"]).get("Rollout"), "api")
    assert api["image"] == "ghcr.io/dreamseedai/univprepai-api@sha256:" + "a" * 64


def test_without_own_service_account_pods_use_the_default_one(render) -> None:
    manifest = render(set_values=MODES["no-optional-objects"])
    assert not manifest.all("ServiceAccount")
    spec = pod_spec(manifest.get("Rollout"))
    assert spec["serviceAccountName"] == "default"
    assert spec["automountServiceAccountToken"] is False
    assert set(manifest.kinds()) == {"Rollout", "AnalysisTemplate", "Service"}
