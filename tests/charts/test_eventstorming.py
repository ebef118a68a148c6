"""charts/eventstorming: the EventStorming Generator, a singleton LangGraph queue worker
(release eventstorming, namespace eventstorming), on the workload model of charts/common: its
pod through common.podTemplate with the chart's own env, volumes and mounts. The refusals of
the shared value rules, the singleton's and the renamed keys': test_eventstorming_rules.py."""

from __future__ import annotations

import posixpath
from typing import Any

import pytest
from chart_fixtures import chart_release_fixture

from chartkit.checks import policy
from chartkit.checks.schema import SchemaValidator
from chartkit.releases.manifest import Manifest, container, pod_spec, pod_template_metadata
from helpers.helm_versions import HELMS

CHART = "eventstorming"
VALUES = "values/eventstorming.yaml"
DEV = "values/env/dev.yaml"
PROD = "values/env/prod.yaml"
RELEASE = "eventstorming"
NAMESPACE = "eventstorming"
NAME = "eventstorming-generator"
SERVICE = "eventstorming-generator-service"
CONFIGMAP = "eventstorming-generator-config"

EXTERNAL_SECRETS = {
    "externalSecret": {
        "enabled": True,
        "secretStoreRef": {"kind": "ClusterSecretStore", "name": "gcp-secret-manager"},
        "refreshInterval": "15m",
    },
    "apiKeys.env.OPENAI_API_KEY.remoteRef": {"key": "eventstorming-openai"},
    "apiKeys.env.LANGSMITH_API_KEY.remoteRef": {"key": "eventstorming-llm", "property": "ls"},
    "firebase.remoteRef": {"key": "eventstorming-firebase-sa"},
}
INGRESS = {
    "service.type": "ClusterIP",
    "ingress": {
        "enabled": True,
        "className": "nginx",
        "hosts": [{"host": "eventstorming.example.com"}],
        "tls": [{"hosts": ["eventstorming.example.com"], "secretName": "eventstorming-tls"}],
    },
    "networkPolicy.ingressFrom": [{"namespace": "ingress-nginx"}],
}
MODES = {
    "external-secrets": EXTERNAL_SECRETS,
    "ingress": INGRESS,
    "paused": {"replicaCount": 0},
    "nodeport": {"service.type": "NodePort"},
}


chart_under_test = chart_release_fixture(CHART, VALUES, release=RELEASE, namespace=NAMESPACE)


def names_field(error: str, field: str) -> bool:
    """Whether helm's error names the values field: chart `fail` messages and helm 3 schema
    errors spell it dotted (service.type), helm 4 schema errors as a pointer (/service/type)."""
    return field in error or "/" + field.replace(".", "/") in error


def deployment(manifest: Manifest) -> dict[str, Any]:
    return manifest.get("Deployment", NAME)


def worker(manifest: Manifest) -> dict[str, Any]:
    return container(deployment(manifest), "generator")


def env_by_name(manifest: Manifest) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in worker(manifest).get("env") or []}


def volume(manifest: Manifest, name: str) -> dict[str, Any]:
    return {v["name"]: v for v in pod_spec(deployment(manifest))["volumes"]}[name]


def mount(manifest: Manifest, name: str) -> dict[str, Any]:
    return {m["name"]: m for m in worker(manifest)["volumeMounts"]}[name]


def selects(match_labels: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in match_labels.items())


# -- objects and names ----------------------------------------------------------------------


def test_release_renders_the_worker_objects_with_their_fixed_names(render) -> None:
    manifest = render()
    assert dict(manifest.kinds()) == {
        "Deployment": 1,
        "Service": 1,
        "ConfigMap": 1,
        "ServiceAccount": 1,
        "NetworkPolicy": 1,
        "Pod": 1,
    }
    assert manifest.names("Deployment") == [NAME]
    assert manifest.names("Service") == [SERVICE]
    assert manifest.names("ConfigMap") == [CONFIGMAP]
    assert {o["metadata"]["namespace"] for o in manifest} == {NAMESPACE}


def test_inventory_release_is_the_chart_with_its_values_file(render, render_release) -> None:
    assert render_release(RELEASE).objects == render().objects


def test_names_follow_the_full_name_of_other_releases(render_chart) -> None:
    manifest = render_chart(CHART, VALUES, release="staging", namespace="staging")
    assert manifest.names("Deployment") == ["staging-eventstorming-generator"]
    assert manifest.names("Service") == ["staging-eventstorming-generator-service"]


@pytest.mark.parametrize("mode", sorted(MODES))
def test_modes_render_the_same_with_both_helms_and_pass_validation_and_policy(
    render, validator: SchemaValidator, mode: str
) -> None:
    manifests = [render(set_values=MODES[mode], helm=helm) for helm in HELMS]
    assert manifests[0].objects == manifests[1].objects
    for overlay in ((), (DEV,), (PROD,)):
        objects = render(*overlay, set_values=MODES[mode]).objects
        assert validator.validate_all(objects) == []
        assert policy.check(objects) == []


# -- one consumer, never two ----------------------------------------------------------------


@pytest.mark.parametrize("overlays", [(), (DEV,), (PROD,)], ids=["bare", "dev", "prod"])
def test_worker_runs_one_pod_whatever_the_overlay(render, overlays) -> None:
    manifest = render(*overlays)
    assert deployment(manifest)["spec"]["replicas"] == 1
    assert manifest.all("PodDisruptionBudget") == []
    assert manifest.all("HorizontalPodAutoscaler") == []


def test_forced_autoscaling_does_not_scale_the_singleton(render) -> None:
    manifest = render(PROD, set_values={"global.autoscaling": True, "global.replicaCount": 3})
    assert deployment(manifest)["spec"]["replicas"] == 1
    assert manifest.all("HorizontalPodAutoscaler") == []
    assert manifest.all("PodDisruptionBudget") == []


def test_update_strategy_never_runs_two_pods(render) -> None:
    strategy = deployment(render())["spec"]["strategy"]
    assert strategy == {"type": "Recreate"}


def test_replica_count_zero_pauses_the_worker_even_under_overlays(render) -> None:
    for overlays in ((), (DEV,), (PROD,)):
        manifest = render(*overlays, set_values={"replicaCount": 0})
        assert deployment(manifest)["spec"]["replicas"] == 0
        assert manifest.all("PodDisruptionBudget") == []


@pytest.mark.parametrize("helm", HELMS)
def test_more_than_one_replica_is_refused_with_the_reason(refuse, helm: str) -> None:
    error = refuse({"replicaCount": 2}, PROD, helm=helm)
    assert "replicaCount" in error
    assert "job queue" in error and "same job" in error


@pytest.mark.parametrize("helm", HELMS)
def test_negative_replica_count_is_refused_by_the_schema(refuse, helm: str) -> None:
    assert names_field(refuse({"replicaCount": -1}, helm=helm), "replicaCount")


# -- Firebase key: mount and env agree -------------------------------------------------------


def assert_key_path_matches_mount(manifest: Manifest) -> str:
    key_volume = volume(manifest, "firebase-key")
    key_mount = mount(manifest, "firebase-key")
    (item,) = key_volume["secret"]["items"]
    path = env_by_name(manifest)["FIREBASE_SERVICE_ACCOUNT_PATH"]["value"]
    assert path == posixpath.join(key_mount["mountPath"], item["path"])
    assert key_mount["readOnly"] is True
    return path


def test_firebase_key_is_mounted_read_only_where_the_env_points(render) -> None:
    manifest = render()
    assert assert_key_path_matches_mount(manifest) == "/app/.auth/serviceAccountKey.json"
    secret = volume(manifest, "firebase-key")["secret"]
    assert secret["secretName"] == "firebase-key"
    assert secret["items"] == [{"key": "serviceAccountKey.json", "path": "serviceAccountKey.json"}]
    assert secret["defaultMode"] == 0o440


def test_moving_the_mount_or_renaming_the_key_moves_the_env_with_it(render) -> None:
    manifest = render(
        set_values={
            "firebase.mountPath": "/var/run/secrets/firebase/",
            "firebase.key": "sa.json",
            "firebase.secretName": "firebase-sa",
        }
    )
    assert assert_key_path_matches_mount(manifest) == "/var/run/secrets/firebase/sa.json"
    assert volume(manifest, "firebase-key")["secret"]["secretName"] == "firebase-sa"


def test_key_path_cannot_be_set_by_hand(refuse) -> None:
    error = refuse({"settings.extra": {"FIREBASE_SERVICE_ACCOUNT_PATH": "/elsewhere.json"}})
    assert "settings.extra.FIREBASE_SERVICE_ACCOUNT_PATH" in error


def test_key_mount_cannot_share_a_writable_directory(refuse) -> None:
    assert "firebase.mountPath" in refuse({"firebase.mountPath": "/tmp"})


@pytest.mark.parametrize("helm", HELMS)
def test_relative_mount_path_is_refused_by_the_schema(refuse, helm: str) -> None:
    error = refuse({"firebase.mountPath": "app/.auth"}, helm=helm)
    assert names_field(error, "firebase.mountPath")


# -- API keys: referenced, never inlined -----------------------------------------------------


def test_api_keys_come_from_the_existing_secret(render) -> None:
    env = env_by_name(render())
    for name in ("OPENAI_API_KEY", "LANGSMITH_API_KEY"):
        assert "value" not in env[name]
        assert env[name]["valueFrom"] == {"secretKeyRef": {"name": "app-secrets", "key": name}}


def test_secret_name_and_key_names_are_configurable(render) -> None:
    env = env_by_name(
        render(
            set_values={
                "apiKeys.secretName": "llm-keys",
                "apiKeys.env.OPENAI_API_KEY.key": "openai",
                "apiKeys.env.LANGSMITH_API_KEY": {"key": "langsmith", "optional": True},
                "apiKeys.env.ANTHROPIC_API_KEY": {"key": "anthropic"},
            }
        )
    )
    assert env["OPENAI_API_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "llm-keys",
        "key": "openai",
    }
    assert env["LANGSMITH_API_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "llm-keys",
        "key": "langsmith",
        "optional": True,
    }
    assert env["ANTHROPIC_API_KEY"]["valueFrom"]["secretKeyRef"]["key"] == "anthropic"


@pytest.mark.parametrize("mode", [None, *sorted(MODES)])
def test_no_secret_is_rendered_or_inlined(render, mode: str | None) -> None:
    manifest = render(set_values=MODES.get(mode))
    assert manifest.all("Secret") == []
    for item in worker(manifest)["env"]:
        if item["name"].endswith("_KEY") or "TOKEN" in item["name"]:
            assert "value" not in item, item
    assert [v for v in policy.check(manifest.objects) if v.rule == "no-secret-literals"] == []


def test_secret_looking_settings_are_refused(refuse) -> None:
    error = refuse({"settings.extra": {"GOOGLE_API_KEY": "AIza-not-a-real-one"}})
    assert "settings.extra.GOOGLE_API_KEY" in error and "apiKeys.env" in error


def test_openai_model_without_its_key_is_refused(refuse) -> None:
    assert "apiKeys.env.OPENAI_API_KEY" in refuse({"apiKeys.env.OPENAI_API_KEY": None})


def test_tracing_without_the_langsmith_key_is_refused(refuse, render) -> None:
    assert "apiKeys.env.LANGSMITH_API_KEY" in refuse({"apiKeys.env.LANGSMITH_API_KEY": None})
    manifest = render(
        set_values={"apiKeys.env.LANGSMITH_API_KEY": None, "settings.langsmithTracing": False}
    )
    assert "LANGSMITH_API_KEY" not in env_by_name(manifest)


def test_external_secrets_create_the_secrets_the_pod_reads(render) -> None:
    manifest = render(set_values=EXTERNAL_SECRETS)
    by_target = {es["spec"]["target"]["name"]: es["spec"] for es in manifest.all("ExternalSecret")}
    assert set(by_target) == {"app-secrets", "firebase-key"}
    for spec in by_target.values():
        assert spec["secretStoreRef"] == {
            "kind": "ClusterSecretStore",
            "name": "gcp-secret-manager",
        }
        assert spec["refreshInterval"] == "15m"
    assert by_target["app-secrets"]["data"] == [
        {
            "secretKey": "LANGSMITH_API_KEY",
            "remoteRef": {"key": "eventstorming-llm", "property": "ls"},
        },
        {"secretKey": "OPENAI_API_KEY", "remoteRef": {"key": "eventstorming-openai"}},
    ]
    assert by_target["firebase-key"]["data"] == [
        {"secretKey": "serviceAccountKey.json", "remoteRef": {"key": "eventstorming-firebase-sa"}}
    ]
    assert all(
        es["apiVersion"] == "external-secrets.io/v1" for es in manifest.all("ExternalSecret")
    )
    # the pod reads exactly the Secrets and keys the ExternalSecrets write
    env = env_by_name(manifest)
    assert env["OPENAI_API_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "app-secrets"
    assert volume(manifest, "firebase-key")["secret"]["secretName"] == "firebase-key"


@pytest.mark.parametrize(
    ("field", "set_values"),
    [
        ("externalSecret.secretStoreRef.name", {"externalSecret.secretStoreRef.name": ""}),
        ("apiKeys.env.OPENAI_API_KEY.remoteRef.key", {"apiKeys.env.OPENAI_API_KEY.remoteRef": {}}),
        ("firebase.remoteRef.key", {"firebase.remoteRef.key": ""}),
    ],
)
def test_external_secrets_need_a_store_and_every_remote_key(
    refuse, field: str, set_values: dict[str, Any]
) -> None:
    assert field in refuse({**EXTERNAL_SECRETS, **set_values})


# -- settings --------------------------------------------------------------------------------


def test_settings_are_a_configmap_read_with_env_from(render) -> None:
    manifest = render()
    data = manifest.get("ConfigMap", CONFIGMAP)["data"]
    assert data["AI_MODEL"] == "openai:gpt-4.1-2025-04-14"
    assert data["LANGSMITH_TRACING"] == "true"
    assert data["LANGSMITH_PROJECT"] == "eventstorming-generator"
    assert data["FIREBASE_DATABASE_URL"].startswith("https://")
    assert worker(manifest)["envFrom"] == [{"configMapRef": {"name": CONFIGMAP}}]
    env = env_by_name(manifest)
    assert not {"AI_MODEL", "LANGSMITH_TRACING", "LANGSMITH_PROJECT"} & set(env)


def test_chart_defaults_of_the_settings(render_chart) -> None:
    manifest = render_chart(
        CHART,
        set_values={"settings.firebaseDatabaseUrl": "https://queue.firebaseio.com"},
        release=RELEASE,
        namespace=NAMESPACE,
    )
    data = manifest.get("ConfigMap", CONFIGMAP)["data"]
    assert data == {
        "AI_MODEL": "openai:gpt-4.1-2025-04-14",
        "LANGSMITH_TRACING": "false",
        "LANGSMITH_PROJECT": "eventstorming-generator",
        "FIREBASE_DATABASE_URL": "https://queue.firebaseio.com",
    }
    secret_refs = {
        e["name"]: e["valueFrom"]["secretKeyRef"]["name"]
        for e in worker(manifest)["env"]
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    assert secret_refs == {"OPENAI_API_KEY": "app-secrets", "LANGSMITH_API_KEY": "app-secrets"}


def test_changing_a_setting_rolls_the_pod(render) -> None:
    def checksum(manifest: Manifest) -> str:
        return pod_template_metadata(deployment(manifest))["annotations"]["checksum/config"]

    before = checksum(render())
    after = checksum(render(set_values={"settings.aiModel": "openai:gpt-4.1-mini"}))
    assert before != after


def test_database_url_is_required(refuse) -> None:
    assert "settings.firebaseDatabaseUrl" in refuse({"settings.firebaseDatabaseUrl": ""})


@pytest.mark.parametrize("helm", HELMS)
def test_database_url_must_be_https(refuse, helm: str) -> None:
    error = refuse({"settings.firebaseDatabaseUrl": "http://queue.firebaseio.com"}, helm=helm)
    assert names_field(error, "settings.firebaseDatabaseUrl")


# -- container -------------------------------------------------------------------------------


def test_probes_resources_and_port(render) -> None:
    c = worker(render())
    assert c["ports"] == [{"name": "http", "containerPort": 2024, "protocol": "TCP"}]
    live, ready = c["livenessProbe"], c["readinessProbe"]
    assert live["httpGet"] == {"path": "/ok", "port": "http"}
    assert (live["initialDelaySeconds"], live["periodSeconds"]) == (30, 10)
    assert ready["httpGet"] == {"path": "/ok", "port": "http"}
    assert (ready["initialDelaySeconds"], ready["periodSeconds"]) == (5, 5)
    assert c["resources"] == {
        "requests": {"cpu": "200m", "memory": "128Mi"},
        "limits": {"cpu": "300m", "memory": "256Mi"},
    }


def test_dev_overlay_halves_requests_only(render) -> None:
    resources = worker(render(DEV))["resources"]
    assert resources["requests"] == {"cpu": "100m", "memory": "64Mi"}
    assert resources["limits"] == {"cpu": "300m", "memory": "256Mi"}


def test_prod_overlay_spreads_the_pod(render) -> None:
    spec = pod_spec(deployment(render(PROD)))
    assert "preferredDuringSchedulingIgnoredDuringExecution" in spec["affinity"]["podAntiAffinity"]
    assert spec["topologySpreadConstraints"][0]["topologyKey"] == "topology.kubernetes.io/zone"


def test_read_only_root_with_writable_scratch_home_and_cache(render) -> None:
    manifest = render()
    c = worker(manifest)
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    spec = pod_spec(deployment(manifest))
    assert spec["automountServiceAccountToken"] is False
    for name, path in (("tmp", "/tmp"), ("home", "/home/app"), ("cache", "/app/.cache")):
        assert mount(manifest, name)["mountPath"] == path
        assert "sizeLimit" in volume(manifest, name)["emptyDir"]
    env = env_by_name(manifest)
    assert env["HOME"]["value"] == mount(manifest, "home")["mountPath"]
    assert env["XDG_CACHE_HOME"]["value"].startswith(env["HOME"]["value"] + "/")


def test_pod_name_is_passed_to_the_worker(render) -> None:
    assert env_by_name(render())["POD_ID"]["valueFrom"] == {
        "fieldRef": {"fieldPath": "metadata.name"}
    }


@pytest.mark.parametrize("helm", HELMS)
def test_image_tag_latest_is_refused(refuse, helm: str) -> None:
    assert "image.tag" in refuse({"image.tag": "latest"}, helm=helm)


# -- Service, Ingress, NetworkPolicy, helm test ----------------------------------------------


def test_service_is_a_load_balancer_from_80_to_the_worker_port(render) -> None:
    manifest = render()
    service = manifest.get("Service", SERVICE)
    assert service["spec"]["type"] == "LoadBalancer"
    assert service["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}
    ]
    assert selects(
        service["spec"]["selector"], pod_template_metadata(deployment(manifest))["labels"]
    )
    assert "loadBalancerSourceRanges" not in service["spec"]


def test_load_balancer_source_ranges(render, refuse) -> None:
    ranges = ["203.0.113.0/24", "198.51.100.7/32"]
    service = render(set_values={"service.loadBalancerSourceRanges": ranges}).get(
        "Service", SERVICE
    )
    assert service["spec"]["loadBalancerSourceRanges"] == ranges
    error = refuse({"service.type": "ClusterIP", "service.loadBalancerSourceRanges": ranges})
    assert "service.loadBalancerSourceRanges" in error
    for helm in HELMS:
        error = refuse({"service.loadBalancerSourceRanges": ["anywhere"]}, helm=helm)
        assert names_field(error, "service.loadBalancerSourceRanges")


@pytest.mark.parametrize("helm", HELMS)
def test_service_type_is_limited_by_the_schema(refuse, helm: str) -> None:
    assert names_field(refuse({"service.type": "ExternalName"}, helm=helm), "service.type")


def test_cluster_ip_with_ingress(render) -> None:
    manifest = render(set_values=INGRESS)
    assert manifest.get("Service", SERVICE)["spec"]["type"] == "ClusterIP"
    ingress = manifest.get("Ingress", NAME)
    assert ingress["spec"]["ingressClassName"] == "nginx"
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == "eventstorming.example.com"
    assert rule["http"]["paths"][0]["backend"]["service"] == {
        "name": SERVICE,
        "port": {"name": "http"},
    }
    network_policy = manifest.get("NetworkPolicy", NAME)["spec"]
    (allowed,) = network_policy["ingress"]
    peers = allowed["from"]
    # the helm test pod may reach the worker, though the policy does not select it
    test_pod_labels = manifest.get("Pod", f"{NAME}-test-connection")["metadata"]["labels"]
    assert any(selects(p["podSelector"]["matchLabels"], test_pod_labels) for p in peers)
    assert not selects(network_policy["podSelector"]["matchLabels"], test_pod_labels)
    assert {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}
    } in peers


def test_ingress_in_front_of_a_load_balancer_is_refused(refuse) -> None:
    error = refuse(
        {"ingress": INGRESS["ingress"], "networkPolicy.ingressFrom": [{"namespace": "x"}]}
    )
    assert "ingress.enabled" in error and "ClusterIP" in error


def test_ingress_needs_the_controller_allowed_by_the_network_policy(refuse) -> None:
    error = refuse({**INGRESS, "networkPolicy.ingressFrom": []})
    assert "networkPolicy.ingressFrom" in error


def test_network_policy_allows_the_port_in_and_https_dns_out(render) -> None:
    manifest = render()
    policy_spec = manifest.get("NetworkPolicy", NAME)["spec"]
    pod_labels = pod_template_metadata(deployment(manifest))["labels"]
    assert selects(policy_spec["podSelector"]["matchLabels"], pod_labels)
    assert policy_spec["policyTypes"] == ["Ingress", "Egress"]
    (allowed,) = policy_spec["ingress"]
    assert allowed["ports"] == [{"protocol": "TCP", "port": 2024}]
    assert "from" not in allowed  # LoadBalancer: the source ranges apply at the load balancer
    ports = {(p["protocol"], p["port"]) for rule in policy_spec["egress"] for p in rule["ports"]}
    assert {("UDP", 53), ("TCP", 53), ("TCP", 443)} <= ports
    https = next(
        r for r in policy_spec["egress"] if r["ports"] == [{"protocol": "TCP", "port": 443}]
    )
    assert https["to"] == [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}]


def test_helm_test_gets_ok_through_the_service(render) -> None:
    hook = render().get("Pod", f"{NAME}-test-connection")
    assert hook["metadata"]["annotations"]["helm.sh/hook"] == "test"
    (c,) = hook["spec"]["containers"]
    assert c["args"][-1] == f"http://{SERVICE}:80/ok"
    assert c["image"].startswith("curlimages/curl:") and not c["image"].endswith(":latest")
    assert set(c["resources"]) == {"requests", "limits"}


@pytest.mark.parametrize("helm", HELMS)
def test_unknown_values_are_refused(refuse, helm: str) -> None:
    error = refuse({"settings.aiModl": "openai:gpt-4.1"}, helm=helm)
    assert "aiModl" in error


# -- the workload model: the chart's own env, volumes and mounts -----------------------------


def test_the_chart_volumes_come_before_tmp_and_extra_volumes(render) -> None:
    manifest = render(
        set_values={
            "tmpDir.sizeLimit": "128Mi",
            "extraVolumes": [{"name": "prompts", "configMap": {"name": "prompts"}}],
            "extraVolumeMounts": [{"name": "prompts", "mountPath": "/app/prompts"}],
        }
    )
    spec = pod_spec(deployment(manifest))
    assert [v["name"] for v in spec["volumes"]] == [
        "firebase-key",
        "home",
        "cache",
        "tmp",
        "prompts",
    ]
    assert volume(manifest, "tmp") == {"name": "tmp", "emptyDir": {"sizeLimit": "128Mi"}}
    assert [m["name"] for m in worker(manifest)["volumeMounts"]] == [
        "firebase-key",
        "home",
        "cache",
        "tmp",
        "prompts",
    ]


def test_env_order_chart_first_then_values(render) -> None:
    env = env_by_name(render(set_values={"env": {"LOG_FORMAT": "json"}}))
    assert list(env) == [
        "FIREBASE_SERVICE_ACCOUNT_PATH",
        "HOME",
        "UV_CACHE_DIR",
        "XDG_CACHE_HOME",
        "LANGSMITH_API_KEY",
        "OPENAI_API_KEY",
        "LOG_FORMAT",
        "POD_ID",
    ]


def test_settings_extra_and_a_secret_key_ref_in_env_may_live_side_by_side(render) -> None:
    manifest = render(
        set_values={"env": {"SENTRY_DSN": {"secretKeyRef": {"name": "sentry", "key": "dsn"}}}}
    )
    assert env_by_name(manifest)["SENTRY_DSN"]["valueFrom"] == {
        "secretKeyRef": {"name": "sentry", "key": "dsn"}
    }
