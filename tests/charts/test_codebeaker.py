"""charts/codebeaker: the API and the workers on one shared ReadWriteMany volume.

Objects, names, the shared volume and settings, autoscaling, Services, Ingress, PDBs,
NetworkPolicies, ServiceAccounts, the helm test hook and the two inventory values files.
The worker runtime modes are in test_codebeaker_runtime.py, the refusals in
test_codebeaker_rules.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from chartkit.releases.manifest import Manifest, container, pod_spec, pod_template_metadata
from chartkit.sizing.quantity import cpu_millis, memory_bytes
from helpers.manifests import find

CHART = "codebeaker"
DEV = "values/codebeaker-dev.yaml"
PROD = "values/codebeaker-prod.yaml"
API, WORKER, DATA, CONFIG = (
    "codebeaker-api",
    "codebeaker-worker",
    "codebeaker-data",
    "codebeaker-config",
)
COMPONENT = "app.kubernetes.io/component"

# Every optional object and mode at once, for strict schema validation.
EVERYTHING_ON: dict[str, Any] = {
    "api.loadBalancer": {
        "enabled": True,
        "loadBalancerSourceRanges": ["203.0.113.0/24"],
        "externalTrafficPolicy": "Local",
        "annotations": {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"},
    },
    "ingress": {
        "enabled": True,
        "className": "nginx",
        "hosts": [{"host": "codebeaker.example.com"}],
        "tls": [{"hosts": ["codebeaker.example.com"], "secretName": "codebeaker-tls"}],
    },
    "serviceMonitor": {"enabled": True, "labels": {"release": "kube-prometheus-stack"}},
    "queue": {"type": "redis", "redis": {"existingSecret": "codebeaker-redis"}},
    "worker.updateStrategy.rollingUpdate.maxSurge": "25%",
    "worker.runtime": {"mode": "docker-socket", "dockerSocket": {"runAsRoot": True}},
    "worker.nodeSelector": {"codebeaker.io/node-pool": "worker"},
    "worker.tolerations": [
        {"key": "codebeaker.io/dedicated", "operator": "Exists", "effect": "NoSchedule"}
    ],
    "api.env": {
        "API_SIGNING_KEY": {"secretKeyRef": {"name": "codebeaker-api", "key": "signing-key"}}
    },
    "worker.env": {"LOG_LEVEL": "Information"},
    "config.extra": {"Logging__LogLevel__Default": "Information"},
}


def claim_of(workload: dict[str, Any]) -> str:
    (volume,) = [v for v in pod_spec(workload)["volumes"] if "persistentVolumeClaim" in v]
    return volume["persistentVolumeClaim"]["claimName"]


def mount_path_of(workload: dict[str, Any], volume: str) -> str:
    mounts = pod_spec(workload)["containers"][0]["volumeMounts"]
    (path,) = [m["mountPath"] for m in mounts if m["name"] == volume]
    return path


def env_of(workload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in pod_spec(workload)["containers"][0].get("env", [])}


@pytest.fixture(scope="module")
def bare(render_chart) -> Manifest:
    return render_chart(CHART)


# -- names ---------------------------------------------------------------------------------


def test_release_codebeaker_gets_the_names_the_spec_fixes(bare: Manifest) -> None:
    assert sorted(bare.names("Deployment")) == [API, WORKER]
    assert bare.names("Service") == [API]
    assert bare.names("PersistentVolumeClaim") == [DATA]
    assert bare.names("ConfigMap") == [CONFIG]
    assert sorted(bare.names("HorizontalPodAutoscaler")) == [API, WORKER]
    assert sorted(bare.names("ServiceAccount")) == [API, WORKER]
    assert "PrometheusRule" not in bare.kinds()


@pytest.mark.parametrize(
    ("release", "namespace"), [("codebeaker", "codebeaker"), ("codebeaker-dev", "codebeaker-dev")]
)
def test_inventory_releases_keep_the_names_the_worker_in_a_namespace_of_its_own(
    render_release, release: str, namespace: str
) -> None:
    manifest = render_release(release)
    assert sorted(manifest.names("Deployment")) == [API, WORKER]
    placed = {
        (o["kind"], o["metadata"]["name"]): o["metadata"]["namespace"]
        for o in manifest.objects
        if o["kind"] != "ConfigMap"
    }
    worker_side = {key: ns for key, ns in placed.items() if key[1] == WORKER}
    assert set(worker_side.values()) == {f"{namespace}-worker"}
    assert {ns for key, ns in placed.items() if key[1] != WORKER} == {namespace}
    configs = {o["metadata"]["namespace"] for o in manifest.all("ConfigMap")}
    assert configs == {namespace, f"{namespace}-worker"}
    # both claims exist already (codebeaker-data in each namespace, one NFS export)
    assert manifest.all("PersistentVolumeClaim") == []
    for name in (API, WORKER):
        assert claim_of(manifest.get("Deployment", name)) == DATA
    assert "PrometheusRule" not in manifest.kinds()


def test_components_never_select_each_other(bare: Manifest) -> None:
    api, worker = bare.get("Deployment", API), bare.get("Deployment", WORKER)
    assert api["spec"]["selector"]["matchLabels"][COMPONENT] == "api"
    assert worker["spec"]["selector"]["matchLabels"][COMPONENT] == "worker"
    worker_labels = pod_template_metadata(worker)["labels"]
    api_labels = pod_template_metadata(api)["labels"]
    service_selector = bare.get("Service", API)["spec"]["selector"]
    assert all(api_labels.get(k) == v for k, v in service_selector.items())
    assert any(worker_labels.get(k) != v for k, v in service_selector.items())
    for kind in ("PodDisruptionBudget", "NetworkPolicy"):
        for obj in bare.all(kind):
            selector = (obj["spec"].get("selector") or obj["spec"]["podSelector"])["matchLabels"]
            assert selector[COMPONENT] == obj["metadata"]["labels"][COMPONENT]


def test_pod_labels_carry_the_image_tag_as_version(render_chart) -> None:
    manifest = render_chart(
        CHART, set_values={"api.image.tag": "1.2.3", "worker.image.tag": "1.2.4"}
    )
    api = pod_template_metadata(manifest.get("Deployment", API))["labels"]
    worker = pod_template_metadata(manifest.get("Deployment", WORKER))["labels"]
    assert api["app.kubernetes.io/version"] == "1.2.3"
    assert worker["app.kubernetes.io/version"] == "1.2.4"
    assert container(manifest.get("Deployment", WORKER), "worker")["image"].endswith(":1.2.4")


# -- settings and the shared volume --------------------------------------------------------


def test_configmap_holds_the_settings(bare: Manifest) -> None:
    assert bare.get("ConfigMap", CONFIG)["data"] == {
        "WORKER_CONCURRENCY": "10",
        "EXECUTION_TIMEOUT_SECONDS": "30",
        "EXECUTION_MEMORY_LIMIT_MB": "512",
        "QUEUE_TYPE": "file",
        "QUEUE_BASE_DIR": "/data/queue",
        "STORAGE_BASE_DIR": "/data/storage",
    }


def test_both_components_read_the_configmap(bare: Manifest) -> None:
    for name in (API, WORKER):
        env_from = pod_spec(bare.get("Deployment", name))["containers"][0]["envFrom"]
        assert {"configMapRef": {"name": CONFIG}} in env_from


@pytest.mark.parametrize(
    "change",
    [
        {"config.workerConcurrency": 4},
        {"config.executionTimeoutSeconds": 45},
        {"config.executionMemoryLimitMb": 256},
        {"config.extra": {"LOG_LEVEL": "Debug"}},
    ],
    ids=lambda c: next(iter(c)),
)
def test_pods_roll_when_a_configmap_value_changes(render_chart, bare: Manifest, change) -> None:
    changed = render_chart(CHART, set_values=change)
    assert changed.get("ConfigMap", CONFIG)["data"] != bare.get("ConfigMap", CONFIG)["data"]
    for name in (API, WORKER):
        before = pod_template_metadata(bare.get("Deployment", name))["annotations"]
        after = pod_template_metadata(changed.get("Deployment", name))["annotations"]
        assert before["checksum/config"] != after["checksum/config"]


def test_checksum_is_stable_when_the_configmap_is_unchanged(render_chart, bare: Manifest) -> None:
    other = render_chart(
        CHART, set_values={"api.replicaCount": 3, "worker.tmpDir.sizeLimit": "2Gi"}
    )
    for name in (API, WORKER):
        assert (
            pod_template_metadata(other.get("Deployment", name))["annotations"]["checksum/config"]
            == pod_template_metadata(bare.get("Deployment", name))["annotations"]["checksum/config"]
        )


def test_claim_is_readwritemany_10gi_nfs_and_kept_on_uninstall(bare: Manifest) -> None:
    claim = bare.get("PersistentVolumeClaim", DATA)
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"
    assert claim["spec"]["storageClassName"] == "nfs-client"
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


@pytest.mark.parametrize("storage_class", ["efs-sc", "azurefile"])
def test_storage_class_comes_from_values(render_chart, storage_class: str) -> None:
    claim = render_chart(CHART, set_values={"persistence.storageClassName": storage_class})
    assert claim.get("PersistentVolumeClaim", DATA)["spec"]["storageClassName"] == storage_class


def test_keep_policy_cannot_be_overridden_by_annotations(render_chart) -> None:
    manifest = render_chart(
        CHART,
        set_values={"persistence.annotations": {"helm.sh/resource-policy": "delete", "team": "cb"}},
    )
    annotations = manifest.get("PersistentVolumeClaim", DATA)["metadata"]["annotations"]
    assert annotations == {"helm.sh/resource-policy": "keep", "team": "cb"}


@pytest.mark.parametrize("values", [(), (DEV,), (PROD,)], ids=["bare", "dev", "prod"])
def test_both_components_mount_the_same_claim_at_data(render_chart, values) -> None:
    manifest = render_chart(CHART, *values)
    for name in (API, WORKER):
        workload = manifest.get("Deployment", name)
        assert claim_of(workload) == DATA
        assert mount_path_of(workload, "data") == "/data"


def test_existing_claim_replaces_the_created_one(render_chart) -> None:
    manifest = render_chart(CHART, set_values={"persistence.existingClaim": "codebeaker-shared"})
    assert manifest.all("PersistentVolumeClaim") == []
    for name in (API, WORKER):
        assert claim_of(manifest.get("Deployment", name)) == "codebeaker-shared"


def test_queue_and_storage_dirs_follow_the_mount_path(render_chart) -> None:
    manifest = render_chart(CHART, set_values={"persistence.mountPath": "/srv/codebeaker"})
    data = manifest.get("ConfigMap", CONFIG)["data"]
    assert data["QUEUE_BASE_DIR"] == "/srv/codebeaker/queue"
    assert data["STORAGE_BASE_DIR"] == "/srv/codebeaker/storage"
    for name in (API, WORKER):
        assert mount_path_of(manifest.get("Deployment", name), "data") == "/srv/codebeaker"


# -- API -----------------------------------------------------------------------------------


def test_api_container(bare: Manifest) -> None:
    api = container(bare.get("Deployment", API), "api")
    assert api["ports"] == [{"name": "http", "containerPort": 5039, "protocol": "TCP"}]
    assert api["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "256Mi"},
    }
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert api[probe]["httpGet"] == {"path": "/health", "port": "http"}
    assert env_of(bare.get("Deployment", API))["ASPNETCORE_HTTP_PORTS"]["value"] == "5039"
    assert (
        api["lifecycle"]["preStop"]["sleep"]["seconds"]
        < pod_spec(bare.get("Deployment", API))["terminationGracePeriodSeconds"]
    )
    mounts = {m["name"]: m["mountPath"] for m in api["volumeMounts"]}
    assert mounts["tmp"] == "/tmp"


def test_api_port_follows_values(render_chart) -> None:
    manifest = render_chart(CHART, set_values={"api.containerPort": 8080})
    api = manifest.get("Deployment", API)
    assert container(api, "api")["ports"][0]["containerPort"] == 8080
    assert env_of(api)["ASPNETCORE_HTTP_PORTS"]["value"] == "8080"
    policy = manifest.get("NetworkPolicy", API)
    assert {p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]} == {8080}


def test_api_hpa_2_to_10_on_cpu_70_and_memory_80(bare: Manifest) -> None:
    hpa = bare.get("HorizontalPodAutoscaler", API)
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": API,
    }
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    targets = {
        m["resource"]["name"]: m["resource"]["target"]["averageUtilization"]
        for m in hpa["spec"]["metrics"]
    }
    assert targets == {"cpu": 70, "memory": 80}
    assert "replicas" not in bare.get("Deployment", API)["spec"]


def test_api_rolls_out_without_losing_capacity(bare: Manifest) -> None:
    strategy = bare.get("Deployment", API)["spec"]["strategy"]
    assert strategy["rollingUpdate"]["maxUnavailable"] == 0


# -- workers -------------------------------------------------------------------------------


def test_worker_container(bare: Manifest) -> None:
    worker = container(bare.get("Deployment", WORKER), "worker")
    assert worker["resources"] == {
        "requests": {"cpu": "200m", "memory": "256Mi"},
        "limits": {"cpu": "1000m", "memory": "1Gi"},
    }
    assert "ports" not in worker
    assert "readinessProbe" not in worker
    assert "exec" in worker["livenessProbe"] and "exec" in worker["startupProbe"]


def test_worker_hpa_min_3_on_cpu_75_and_memory_85(bare: Manifest) -> None:
    hpa = bare.get("HorizontalPodAutoscaler", WORKER)
    assert hpa["spec"]["scaleTargetRef"]["name"] == WORKER
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 10)
    targets = {
        m["resource"]["name"]: m["resource"]["target"]["averageUtilization"]
        for m in hpa["spec"]["metrics"]
    }
    assert targets == {"cpu": 75, "memory": 85}
    assert hpa["spec"]["behavior"]["scaleDown"]["policies"] == [
        {"type": "Pods", "value": 1, "periodSeconds": 60}
    ]
    assert "replicas" not in bare.get("Deployment", WORKER)["spec"]


def test_worker_liveness_checks_the_heartbeat_file_it_is_told_about(render_chart) -> None:
    manifest = render_chart(
        CHART, set_values={"worker.heartbeat": {"path": "/data/queue/.alive", "maxAgeSeconds": 90}}
    )
    worker = manifest.get("Deployment", WORKER)
    command = container(worker, "worker")["livenessProbe"]["exec"]["command"]
    assert command[:2] == ["/bin/sh", "-c"]
    assert command[3:] == ["/data/queue/.alive", "90"]
    assert "$(" not in command[2], "the kubelet would expand $(...) in a probe command"
    assert env_of(worker)["WORKER_HEARTBEAT_FILE"]["value"] == "/data/queue/.alive"
    assert container(worker, "worker")["startupProbe"]["exec"]["command"] == command


def test_worker_probe_command_is_configurable(render_chart) -> None:
    command = ["dotnet", "CodeBeaker.Worker.dll", "--health"]
    manifest = render_chart(
        CHART,
        set_values={
            "worker.probes.liveness.command": command,
            "worker.probes.liveness.periodSeconds": 15,
            "worker.probes.startup.enabled": False,
        },
    )
    worker = container(manifest.get("Deployment", WORKER), "worker")
    assert worker["livenessProbe"]["exec"]["command"] == command
    assert worker["livenessProbe"]["periodSeconds"] == 15
    assert "startupProbe" not in worker


def test_worker_gets_time_to_finish_running_jobs(bare: Manifest) -> None:
    spec = pod_spec(bare.get("Deployment", WORKER))
    timeout = int(bare.get("ConfigMap", CONFIG)["data"]["EXECUTION_TIMEOUT_SECONDS"])
    assert spec["terminationGracePeriodSeconds"] > timeout


def test_worker_rollout_never_surges_past_the_file_queue_limit(bare: Manifest) -> None:
    rolling = bare.get("Deployment", WORKER)["spec"]["strategy"]["rollingUpdate"]
    assert rolling == {"maxSurge": 0, "maxUnavailable": 1}


# -- Services, Ingress ---------------------------------------------------------------------


def test_api_service_is_clusterip_80_to_5039(bare: Manifest) -> None:
    service = bare.get("Service", API)
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}
    ]
    assert container(bare.get("Deployment", API), "api")["ports"][0]["containerPort"] == 5039


def test_loadbalancer_service_is_optional(bare: Manifest, render_chart) -> None:
    assert find(bare, "Service", "codebeaker-api-loadbalancer") is None
    manifest = render_chart(
        CHART, set_values={"api.loadBalancer": EVERYTHING_ON["api.loadBalancer"]}
    )
    service = manifest.get("Service", "codebeaker-api-loadbalancer")
    assert service["spec"]["type"] == "LoadBalancer"
    assert service["spec"]["loadBalancerSourceRanges"] == ["203.0.113.0/24"]
    assert service["spec"]["externalTrafficPolicy"] == "Local"
    assert service["spec"]["selector"] == bare.get("Service", API)["spec"]["selector"]
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    # The load balancer's traffic is let through the API's NetworkPolicy.
    rules = manifest.get("NetworkPolicy", API)["spec"]["ingress"]
    cidrs = [
        peer["ipBlock"]["cidr"] for rule in rules for peer in rule["from"] if "ipBlock" in peer
    ]
    assert cidrs == ["0.0.0.0/0", "::/0"]


def test_ingress_routes_the_host_to_the_api_service(bare: Manifest, render_chart) -> None:
    assert bare.all("Ingress") == []
    manifest = render_chart(CHART, set_values={"ingress": EVERYTHING_ON["ingress"]})
    ingress = manifest.get("Ingress", API)
    assert ingress["spec"]["ingressClassName"] == "nginx"
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == "codebeaker.example.com"
    assert rule["http"]["paths"] == [
        {
            "path": "/",
            "pathType": "Prefix",
            "backend": {"service": {"name": API, "port": {"name": "http"}}},
        }
    ]
    assert ingress["spec"]["tls"] == [
        {"hosts": ["codebeaker.example.com"], "secretName": "codebeaker-tls"}
    ]


# -- PDBs, NetworkPolicies, ServiceAccounts, helm test --------------------------------------


def test_pdbs_keep_all_but_one_pod_and_never_block_drains(bare: Manifest) -> None:
    for name in (API, WORKER):
        pdb = bare.get("PodDisruptionBudget", name)
        assert pdb["spec"]["maxUnavailable"] == 1
        assert pdb["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"


def test_no_pdb_over_a_single_pod(render_chart) -> None:
    assert render_chart(CHART, DEV).all("PodDisruptionBudget") == []


def test_api_takes_traffic_from_the_ingress_controller_only(bare: Manifest) -> None:
    policy = bare.get("NetworkPolicy", API)
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    rules = policy["spec"]["ingress"]
    assert all(rule["ports"] == [{"protocol": "TCP", "port": 5039}] for rule in rules)
    namespaces = [
        peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for rule in rules
        for peer in rule["from"]
        if "namespaceSelector" in peer
    ]
    assert namespaces == ["ingress-nginx"]
    # ...and from the release's own helm test pod, nothing else.
    pod_peers = [
        peer["podSelector"]["matchLabels"]
        for rule in rules
        for peer in rule["from"]
        if "podSelector" in peer
    ]
    assert pod_peers == [
        {
            "app.kubernetes.io/name": "codebeaker-test",
            "app.kubernetes.io/instance": "codebeaker",
            COMPONENT: "test",
        }
    ]
    test_pod = bare.get("Pod")
    assert all(test_pod["metadata"]["labels"][k] == v for k, v in pod_peers[0].items())


def test_workers_take_no_ingress_and_egress_is_dns_only(bare: Manifest) -> None:
    policy = bare.get("NetworkPolicy", WORKER)
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert policy["spec"]["ingress"] == []
    (dns,) = policy["spec"]["egress"]
    assert {p["port"] for p in dns["ports"]} == {53}
    assert bare.get("NetworkPolicy", API)["spec"]["egress"] == [dns]


def test_egress_is_configurable(render_chart) -> None:
    rule = {
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "redis"}}}],
        "ports": [{"protocol": "TCP", "port": 6379}],
    }
    manifest = render_chart(
        CHART,
        set_values={
            "networkPolicy.worker.egress.extraRules": [rule],
            "networkPolicy.api.egress.restricted": False,
        },
    )
    worker = manifest.get("NetworkPolicy", WORKER)["spec"]
    assert worker["egress"][-1] == rule and len(worker["egress"]) == 2
    api = manifest.get("NetworkPolicy", API)["spec"]
    assert api["policyTypes"] == ["Ingress"] and "egress" not in api


def test_servicemonitor_selects_only_the_clusterip_service(render_chart) -> None:
    manifest = render_chart(CHART, PROD, set_values=EVERYTHING_ON)
    selector = manifest.get("ServiceMonitor", API)["spec"]["selector"]["matchLabels"]
    selected = [
        s["metadata"]["name"]
        for s in manifest.all("Service")
        if all(s["metadata"]["labels"].get(k) == v for k, v in selector.items())
    ]
    assert selected == [API], "a second Service would make Prometheus scrape every pod twice"


@pytest.mark.parametrize(("value", "expected"), [(None, "absent"), ("", "")])
def test_storage_class_null_means_default_and_empty_means_none(
    render_chart, value, expected
) -> None:
    claim = render_chart(CHART, set_values={"persistence.storageClassName": value})
    spec = claim.get("PersistentVolumeClaim", DATA)["spec"]
    assert spec.get("storageClassName", "absent") == expected


def test_prometheus_is_let_in_only_with_the_servicemonitor(render_chart, bare: Manifest) -> None:
    assert bare.all("ServiceMonitor") == []
    manifest = render_chart(CHART, set_values={"serviceMonitor": EVERYTHING_ON["serviceMonitor"]})
    monitor = manifest.get("ServiceMonitor", API)
    assert monitor["spec"]["endpoints"][0]["port"] == "http"
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    namespaces = [
        peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for rule in manifest.get("NetworkPolicy", API)["spec"]["ingress"]
        for peer in rule["from"]
        if "namespaceSelector" in peer
    ]
    assert namespaces == ["ingress-nginx", "monitoring"]


def test_one_serviceaccount_per_component_without_token(bare: Manifest) -> None:
    for name in (API, WORKER):
        assert bare.get("ServiceAccount", name)["automountServiceAccountToken"] is False
        spec = pod_spec(bare.get("Deployment", name))
        assert spec["serviceAccountName"] == name
        assert spec["automountServiceAccountToken"] is False


def test_helm_test_calls_health_through_the_service(bare: Manifest) -> None:
    pod = bare.get("Pod")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    (curl,) = pod["spec"]["containers"]
    assert curl["image"].startswith("curlimages/curl:") and not curl["image"].endswith(":latest")
    assert curl["args"][-1] == "http://codebeaker-api:80/health"
    assert set(curl["resources"]) == {"requests", "limits"}


def test_every_optional_object_validates_strictly(render_chart, validator) -> None:
    # the chart's own claim too, for a pre-created volume
    claim = {"persistence.existingClaim": "", "persistence.storageClassName": ""}
    manifest = render_chart(CHART, PROD, set_values={**EVERYTHING_ON, **claim})
    assert {"Ingress", "ServiceMonitor", "PersistentVolumeClaim"} <= set(manifest.kinds())
    assert len(manifest.all("Service")) == 2
    assert validator.validate_all(list(manifest.objects)) == []


# -- the inventory values files -------------------------------------------------------------


def requests_of(workload: dict[str, Any]) -> tuple[int, int]:
    requests = pod_spec(workload)["containers"][0]["resources"]["requests"]
    return cpu_millis(requests["cpu"]), memory_bytes(requests["memory"])


def test_dev_runs_one_pod_each_without_hpa(render_chart, bare: Manifest) -> None:
    dev = render_chart(CHART, DEV)
    assert dev.all("HorizontalPodAutoscaler") == []
    for name in (API, WORKER):
        assert dev.get("Deployment", name)["spec"]["replicas"] == 1
        # relaxed: smaller requests than the chart's defaults
        dev_cpu, dev_memory = requests_of(dev.get("Deployment", name))
        bare_cpu, bare_memory = requests_of(bare.get("Deployment", name))
        assert dev_cpu < bare_cpu and dev_memory < bare_memory


def test_prod_api_is_highly_available_across_zones(render_chart) -> None:
    prod = render_chart(CHART, PROD)
    hpa = prod.get("HorizontalPodAutoscaler", API)
    assert hpa["spec"]["minReplicas"] >= 3 and hpa["spec"]["maxReplicas"] == 10
    spec = pod_spec(prod.get("Deployment", API))
    (zones,) = [
        c
        for c in spec["topologySpreadConstraints"]
        if c["topologyKey"] == "topology.kubernetes.io/zone"
    ]
    assert zones["labelSelector"]["matchLabels"][COMPONENT] == "api"
    assert "podAntiAffinity" in spec["affinity"]
    assert prod.get("PodDisruptionBudget", API)["spec"]["maxUnavailable"] == 1
    assert prod.get("Ingress", API)["spec"]["tls"]


def test_prod_resources_are_stricter(render_chart, bare: Manifest) -> None:
    prod = render_chart(CHART, PROD)
    for name in (API, WORKER):
        resources = pod_spec(prod.get("Deployment", name))["containers"][0]["resources"]
        # memory is never overcommitted: request = limit
        assert resources["requests"]["memory"] == resources["limits"]["memory"]
        prod_cpu, prod_memory = requests_of(prod.get("Deployment", name))
        bare_cpu, bare_memory = requests_of(bare.get("Deployment", name))
        assert prod_cpu > bare_cpu and prod_memory >= bare_memory


@pytest.mark.parametrize("values", [DEV, PROD])
@pytest.mark.parametrize("overlay", [None, "values/env/dev.yaml", "values/env/prod.yaml"])
def test_values_files_hold_the_worker_limit_under_every_overlay(
    render_chart, values, overlay
) -> None:
    files = (values, overlay) if overlay else (values,)
    manifest = render_chart(CHART, *files)
    worker = manifest.get("Deployment", WORKER)
    hpa = find(manifest, "HorizontalPodAutoscaler", WORKER)
    most = hpa["spec"]["maxReplicas"] if hpa else worker["spec"]["replicas"]
    assert 1 <= most <= 10


def test_prod_overlay_raises_dev_values_to_two_pods_each(render_chart) -> None:
    manifest = render_chart(CHART, DEV, "values/env/prod.yaml")
    for name in (API, WORKER):
        assert manifest.get("Deployment", name)["spec"]["replicas"] == 2
        assert manifest.get("PodDisruptionBudget", name)["spec"]["maxUnavailable"] == 1


def test_dev_overlay_turns_prod_hpas_off(render_chart) -> None:
    manifest = render_chart(CHART, PROD, "values/env/dev.yaml")
    assert manifest.all("HorizontalPodAutoscaler") == []
    assert manifest.all("PodDisruptionBudget") == []
    for name in (API, WORKER):
        workload = manifest.get("Deployment", name)
        assert workload["spec"]["replicas"] == 1
        # requests halved by the overlay, limits as written
        resources = pod_spec(workload)["containers"][0]["resources"]
        assert memory_bytes(resources["requests"]["memory"]) * 2 == memory_bytes(
            render_chart(CHART, PROD).get("Deployment", name)["spec"]["template"]["spec"][
                "containers"
            ][0]["resources"]["requests"]["memory"]
        )


def test_workload_spec_keys_reach_each_deployment(render_chart, bare: Manifest) -> None:
    for name in (API, WORKER):
        spec = bare.get("Deployment", name)["spec"]
        assert spec["revisionHistoryLimit"] == 5
        assert "minReadySeconds" not in spec and "progressDeadlineSeconds" not in spec
    manifest = render_chart(
        CHART,
        set_values={
            "api.minReadySeconds": 10,
            "worker.revisionHistoryLimit": 2,
            "worker.progressDeadlineSeconds": 300,
        },
    )
    api, worker = (
        manifest.get("Deployment", API)["spec"],
        manifest.get("Deployment", WORKER)["spec"],
    )
    assert (api["minReadySeconds"], api["revisionHistoryLimit"]) == (10, 5)
    assert (worker["revisionHistoryLimit"], worker["progressDeadlineSeconds"]) == (2, 300)
    assert "minReadySeconds" not in worker
