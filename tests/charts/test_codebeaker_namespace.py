"""charts/codebeaker: the worker in a namespace of its own (worker.namespace).

The docker-socket worker needs its namespace to enforce the privileged Pod Security level,
which would widen what every pod there may do; with worker.namespace the worker and what it
needs (ServiceAccount, a ConfigMap copy, HPA, PDB, NetworkPolicy) are rendered there and the
API's namespace stays restricted. Each reference a pod makes (claim, ConfigMap,
ServiceAccount) resolves in its own namespace, settings that cannot share the volume are
refused, and NOTES prints the namespace label the worker's namespace needs.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest

from chartkit.checks import podsecurity, policy
from chartkit.releases.manifest import Manifest, Object, container, pod_spec
from helpers.helm_versions import HELMS
from helpers.monitoring.rules import alert_rules

CHART = "codebeaker"
RELEASE = NAMESPACE = "codebeaker"
WORKER_NS = "codebeaker-worker"
NOTES_HELM = "4.1.4"  # helm 3 needs a reachable cluster for `install --dry-run`
API, WORKER, CONFIG, DATA = (
    "codebeaker-api",
    "codebeaker-worker",
    "codebeaker-config",
    "codebeaker-data",
)
OWN = {
    "worker.namespace": WORKER_NS,
    "worker.persistence.existingClaim": "codebeaker-data-worker",
    "persistence.existingClaim": "codebeaker-data-api",
}
SOCKET = {
    "worker.runtime.mode": "docker-socket",
    "worker.nodeSelector": {"codebeaker.io/node-pool": "worker"},
}
WORKER_KINDS = {"Deployment", "ServiceAccount", "HorizontalPodAutoscaler", "PodDisruptionBudget"}


@pytest.fixture(scope="session")
def release(chart_release):
    return chart_release(CHART, release=RELEASE, namespace=NAMESPACE)


@pytest.fixture(scope="session")
def own(release) -> Manifest:
    return release.render(set_values=OWN)


def namespace_of(obj: Object) -> str:
    return str(obj["metadata"]["namespace"])


def in_namespace(manifest: Manifest, kind: str, name: str, namespace: str) -> Object:
    (found,) = [
        o
        for o in manifest.all(kind)
        if o["metadata"]["name"] == name and namespace_of(o) == namespace
    ]
    return found


def checksum(manifest: Manifest, name: str) -> str:
    (workload,) = [d for d in manifest.all("Deployment") if d["metadata"]["name"] == name]
    return workload["spec"]["template"]["metadata"]["annotations"]["checksum/config"]


def selects(selector: dict[str, str], obj: Object) -> bool:
    labels = obj["spec"]["template"]["metadata"]["labels"]
    return all(labels.get(key) == value for key, value in selector.items())


# -- where each object goes ---------------------------------------------------------------


@pytest.mark.parametrize("helm", HELMS)
def test_the_worker_and_what_it_needs_go_to_its_namespace(release, helm) -> None:
    manifest = release.render(set_values=OWN, helm=helm)
    placed = {(o["kind"], o["metadata"]["name"], namespace_of(o)) for o in manifest.objects}
    worker_side = {(kind, WORKER, WORKER_NS) for kind in WORKER_KINDS} | {
        ("NetworkPolicy", WORKER, WORKER_NS),
        ("ConfigMap", CONFIG, WORKER_NS),
    }
    assert worker_side <= placed
    others = placed - worker_side
    assert {namespace for _, _, namespace in others} == {NAMESPACE}
    assert ("Service", API, NAMESPACE) in others and ("ConfigMap", CONFIG, NAMESPACE) in others
    assert all(name != WORKER for _, name, _ in others)


def test_by_default_everything_is_in_the_release_namespace(release) -> None:
    assert {namespace_of(o) for o in release.render().objects} == {NAMESPACE}


def test_the_release_namespace_named_as_the_worker_namespace_changes_nothing(release) -> None:
    same = release.render(set_values={"worker.namespace": NAMESPACE})
    assert same.objects == release.render().objects


# -- every reference resolves in the pod's own namespace ----------------------------------


def test_each_pod_reads_a_configmap_serviceaccount_and_claim_of_its_namespace(own) -> None:
    by_namespace: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for obj in own.objects:
        by_namespace[namespace_of(obj)].add((obj["kind"], obj["metadata"]["name"]))
    claims = {}
    for workload in own.all("Deployment"):
        namespace, spec = namespace_of(workload), pod_spec(workload)
        assert ("ServiceAccount", spec["serviceAccountName"]) in by_namespace[namespace]
        for source in spec["containers"][0]["envFrom"]:
            assert ("ConfigMap", source["configMapRef"]["name"]) in by_namespace[namespace]
        (claim,) = [
            v["persistentVolumeClaim"]["claimName"]
            for v in spec["volumes"]
            if "persistentVolumeClaim" in v
        ]
        claims[workload["metadata"]["name"]] = claim
    # existing claims, one per namespace, bound by the cluster's administrator to one export
    assert claims == {API: "codebeaker-data-api", WORKER: "codebeaker-data-worker"}
    assert own.all("PersistentVolumeClaim") == []


def test_hpa_pdb_and_network_policy_cover_the_worker_from_its_namespace(own) -> None:
    worker = in_namespace(own, "Deployment", WORKER, WORKER_NS)
    hpa = in_namespace(own, "HorizontalPodAutoscaler", WORKER, WORKER_NS)
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": WORKER,
    }
    pdb = in_namespace(own, "PodDisruptionBudget", WORKER, WORKER_NS)
    assert selects(pdb["spec"]["selector"]["matchLabels"], worker)
    policy_ = in_namespace(own, "NetworkPolicy", WORKER, WORKER_NS)
    assert selects(policy_["spec"]["podSelector"]["matchLabels"], worker)
    assert policy_["spec"]["ingress"] == []
    # nothing in the release's namespace selects the worker's pods any more
    for obj in own.objects:
        if namespace_of(obj) == NAMESPACE and obj["kind"] in (
            "PodDisruptionBudget",
            "NetworkPolicy",
        ):
            selector = obj["spec"].get("selector") or obj["spec"]["podSelector"]
            assert not selects(selector["matchLabels"], worker)


def test_both_configmaps_hold_the_same_settings_and_roll_both_components(release, own) -> None:
    data = [o["data"] for o in own.all("ConfigMap")]
    assert len(data) == 2 and data[0] == data[1]
    changed = release.render(set_values={**OWN, "config.workerConcurrency": 4})
    assert {o["data"]["WORKER_CONCURRENCY"] for o in changed.all("ConfigMap")} == {"4"}
    for name in (API, WORKER):
        assert checksum(own, name) != checksum(changed, name)


def test_the_worker_alert_watches_the_hpa_in_the_workers_namespace(release) -> None:
    manifest = release.render(set_values={**OWN, "prometheusRule.enabled": True})
    rule = manifest.get("PrometheusRule")
    assert namespace_of(rule) == NAMESPACE
    alert = alert_rules(manifest.objects)["CodebeakerWorkerHpaMaxedOut"]
    assert f'namespace="{WORKER_NS}",horizontalpodautoscaler="{WORKER}"' in alert["expr"]
    assert f"in namespace {WORKER_NS}" in alert["annotations"]["description"]
    assert alert["labels"]["namespace"] == NAMESPACE


@pytest.mark.parametrize("values", [OWN, {**OWN, **SOCKET}], ids=["runtime-class", "docker-socket"])
def test_it_validates_and_passes_policy(release, validator, values) -> None:
    manifest = release.render(set_values=values)
    assert validator.validate_all(list(manifest.objects)) == []
    assert policy.check(manifest.objects) == []


def test_only_the_workers_namespace_needs_the_privileged_level(release) -> None:
    manifest = release.render(set_values={**OWN, **SOCKET})
    levels = {}
    for namespace in (NAMESPACE, WORKER_NS):
        objects = [o for o in manifest.objects if namespace_of(o) == namespace]
        levels[namespace] = podsecurity.required_level(objects)[0]
    assert levels == {NAMESPACE: "restricted", WORKER_NS: "privileged"}
    shared = release.render(set_values=SOCKET)
    assert podsecurity.required_level(shared.objects)[0] == "privileged"


# -- values that cannot share the volume ----------------------------------------------------

REFUSED: dict[str, tuple[dict[str, Any], str, str]] = {
    "no-claim-in-the-workers-namespace": (
        {"worker.namespace": WORKER_NS, "persistence.existingClaim": "codebeaker-data"},
        "worker.persistence.existingClaim",
        "a pod mounts only claims of its own namespace, so the worker needs a claim in "
        "codebeaker-worker bound to the same ReadWriteMany volume",
    ),
    "a-provisioned-api-claim": (
        {"worker.namespace": WORKER_NS, "worker.persistence.existingClaim": "codebeaker-data"},
        "persistence.existingClaim",
        "the claim the chart would create from StorageClass nfs-client gets a volume of its "
        "own, which the worker's claim codebeaker-data in codebeaker-worker cannot share",
    ),
    "a-default-class-api-claim": (
        {
            "worker.namespace": WORKER_NS,
            "worker.persistence.existingClaim": "codebeaker-data",
            "persistence.storageClassName": None,
        },
        "persistence.existingClaim",
        "from the cluster's default StorageClass gets a volume of its own",
    ),
    "a-worker-claim-without-its-namespace": (
        {"worker.persistence.existingClaim": "codebeaker-data"},
        "worker.persistence.existingClaim",
        '"codebeaker-data" applies only with worker.namespace set to a namespace other than '
        "the release's (codebeaker)",
    ),
}


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize("case", REFUSED)
def test_settings_that_cannot_share_the_volume_are_refused(release, case, helm) -> None:
    values, field, words = REFUSED[case]
    error = release.refuse(values, helm=helm)
    assert f"values error: {field}:" in error, error
    assert words in error, error
    assert "Worker in its own namespace" in error or "remove it" in error


def test_a_claim_the_chart_creates_for_a_pre_created_volume_is_accepted(release) -> None:
    manifest = release.render(
        set_values={
            "worker.namespace": WORKER_NS,
            "worker.persistence.existingClaim": "codebeaker-data",
            "persistence.storageClassName": "",
        }
    )
    claim = manifest.get("PersistentVolumeClaim", DATA)
    assert namespace_of(claim) == NAMESPACE and claim["spec"]["storageClassName"] == ""


@pytest.mark.parametrize("helm", HELMS)
@pytest.mark.parametrize("value", ["Codebeaker_Worker", "-worker", "w" * 64])
def test_the_namespace_must_be_a_dns_label(release, helm, value) -> None:
    error = release.refuse({**OWN, "worker.namespace": value}, helm=helm)
    assert "/worker/namespace" in error or "worker.namespace" in error, error


# -- NOTES --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def notes(renderer):
    """NOTES.txt as `helm install` prints it (helm 4 renders it offline with --dry-run=client)."""

    def render(values: dict[str, Any]) -> str:
        args = ["install", RELEASE, str(renderer.chart_path(CHART)), "-n", NAMESPACE]
        args += ["--dry-run=client"]
        for key, value in values.items():
            args += ["--set-json", f"{key}={json.dumps(value)}"]
        output = renderer.helm(NOTES_HELM).run(args)
        return output[output.index("NOTES:") :]

    return render


LABEL = "kubectl label namespace {} pod-security.kubernetes.io/enforce=privileged"


def test_notes_give_the_label_command_for_the_workers_own_namespace(notes) -> None:
    text = notes({**OWN, **SOCKET})
    assert LABEL.format(WORKER_NS) in text
    assert LABEL.format(NAMESPACE) not in text
    assert f"lets every pod in namespace {WORKER_NS}" in text
    assert f"the API's namespace {NAMESPACE} stays restricted" in text
    assert f"Deployment {WORKER} in namespace {WORKER_NS}" in text
    assert f"kubectl -n {WORKER_NS} get pods" in text


def test_notes_in_a_shared_namespace_warn_that_the_label_widens_it_for_the_api(notes) -> None:
    text = notes(SOCKET)
    assert LABEL.format(NAMESPACE) in text
    assert f"lets every pod in namespace {NAMESPACE}" in text
    assert "give the worker a namespace of its own" in text and "worker.namespace" in text


@pytest.mark.parametrize("mode", ["runtime-class", "none"])
def test_notes_ask_for_no_label_without_the_socket(notes, mode) -> None:
    text = notes({**OWN, "worker.runtime.mode": mode})
    assert "pod-security.kubernetes.io/enforce" not in text
    assert "hostPath" not in text
    assert "The two claims must reach the same files" in text


def test_the_worker_container_is_the_same_in_either_namespace(release, own) -> None:
    shared = release.render()
    moved = in_namespace(own, "Deployment", WORKER, WORKER_NS)
    assert container(moved, "worker") == container(shared.get("Deployment", WORKER), "worker")


def test_notes_say_the_redis_secret_must_be_in_the_workers_namespace_too(notes) -> None:
    redis = {"queue.type": "redis", "queue.redis.existingSecret": "codebeaker-redis"}
    text = notes({**OWN, **redis})
    assert f"Secret codebeaker-redis in {WORKER_NS}: it must exist there too" in text
    assert "must exist there too" not in notes(redis)
