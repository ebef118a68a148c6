"""The smoke cluster's prerequisites: pins, manifests, what is planned, how it installs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubefake import ALL_CRDS, FakeKubectl, failure

from chartkit.checks.schema import SchemaValidator
from chartkit.cluster import prereqs
from chartkit.cluster.prereq_config import (
    ARGO_ROLLOUTS,
    EXTERNAL_SECRETS,
    FAKE_STORE,
    PROMETHEUS_CRDS,
    RWX_STORAGE,
    PrereqConfig,
    PrereqError,
    load_config,
)
from chartkit.cluster.prereq_objects import fake_store_manifest, hostpath_volume, rwx_storage_class
from chartkit.cluster.prereqs import PrereqActions
from chartkit.cluster.smoke_config import release_values
from chartkit.releases.inventory import Inventory
from chartkit.releases.render import Renderer
from chartkit.tools.helm import Helm
from chartkit.tools.kubectl import KubectlError


@pytest.fixture(scope="module")
def config(repo_root: Path) -> PrereqConfig:
    return load_config(repo_root)


def crd_versions(repo_root: Path) -> dict[str, str]:
    """project -> version, from the table in ci/crds/README.md."""
    found = {}
    for line in (repo_root / "ci" / "crds" / "README.md").read_text().splitlines():
        match = re.match(r"\|[^|]*\|\s*([^|]+?)\s*\|\s*(v[0-9.]+),", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_operator_versions_match_the_crds_the_charts_are_validated_against(
    repo_root: Path, config: PrereqConfig
) -> None:
    versions = crd_versions(repo_root)
    assert config.argo["version"] == versions["Argo Rollouts"]
    assert f"/download/{config.argo['version']}/install.yaml" in config.argo["manifest"]
    assert config.raw["prometheusOperatorCrds"]["version"] == versions["prometheus-operator"]
    assert f"v{config.eso['version']}" == versions["External Secrets Operator"]


def test_prometheus_crds_are_the_validated_files(config: PrereqConfig) -> None:
    kinds = set()
    for path in config.prometheus_crd_files:
        document = yaml.safe_load(path.read_text())
        assert document["kind"] == "CustomResourceDefinition"
        kinds.add(document["spec"]["names"]["kind"])
    assert kinds == {"ServiceMonitor", "PodMonitor", "PrometheusRule"}


def fake_store_keys(config: PrereqConfig) -> set[str]:
    """The keys ci/prereqs.yaml gives the fake secret store."""
    return {str(item["key"]) for item in config.fake_store["data"]}


def test_fake_store_is_a_valid_cluster_secret_store(repo_root: Path, config: PrereqConfig) -> None:
    store = fake_store_manifest(config)
    validator = SchemaValidator(["1.30"], repo_root / "ci" / "crds")
    assert validator.validate(store) == []
    assert store["metadata"]["name"] == "chartkit-smoke"
    assert {item["key"] for item in store["spec"]["provider"]["fake"]["data"]} == (
        fake_store_keys(config)
    )


def smoke_external_secrets(
    renderer: Renderer, inventory: Inventory
) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for release in inventory.releases:
        manifest = renderer.render(
            release.chart,
            release=release.name,
            namespace=release.namespace,
            values_files=release_values(renderer.root, release),
            api_versions=renderer.platform_api_versions,
        )
        found += [(release.name, o) for o in manifest.all("ExternalSecret")]
    return found


@pytest.mark.inventory_wide
def test_every_smoke_external_secret_reads_keys_the_fake_store_holds(
    renderer: Renderer, inventory: Inventory, config: PrereqConfig
) -> None:
    external = smoke_external_secrets(renderer, inventory)
    assert {release for release, _ in external} >= {"r-analytics", "eventstorming"}
    for release, obj in external:
        spec = obj["spec"]
        assert spec["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "chartkit-smoke"}
        for item in spec.get("data") or []:
            key = item["remoteRef"]["key"]
            assert key in fake_store_keys(config), f"{release}: {key} not in the fake store"


def test_rwx_class_on_kind_has_no_provisioner(config: PrereqConfig) -> None:
    manifest = rwx_storage_class(config)
    assert manifest["metadata"]["name"] == "chartkit-smoke-rwx"
    assert manifest["provisioner"] == "kubernetes.io/no-provisioner"


def test_rwx_class_can_copy_an_existing_class(config: PrereqConfig) -> None:
    nfs = {
        "metadata": {"name": "nfs-client", "uid": "x"},
        "provisioner": "cluster.local/nfs-subdir-external-provisioner",
        "parameters": {"archiveOnDelete": "false"},
        "mountOptions": ["nfsvers=4.1"],
    }
    manifest = rwx_storage_class(config, nfs)
    assert manifest["metadata"]["name"] == "chartkit-smoke-rwx"
    assert manifest["provisioner"] == nfs["provisioner"]
    assert manifest["parameters"] == nfs["parameters"]
    assert manifest["mountOptions"] == ["nfsvers=4.1"]


def test_hostpath_volume_is_bound_to_its_claim_on_the_node(config: PrereqConfig) -> None:
    import kubernetes_validate

    volume = hostpath_volume(config, "codebeaker", "codebeaker-data", "1Gi", "node-1")
    for version in ("1.30", "1.36"):
        kubernetes_validate.validate(volume, version, strict=True)
    spec = volume["spec"]
    assert spec["claimRef"] == {"namespace": "codebeaker", "name": "codebeaker-data"}
    assert spec["accessModes"] == ["ReadWriteMany"]
    assert spec["storageClassName"] == "chartkit-smoke-rwx"
    assert spec["hostPath"]["path"] == "/var/local/chartkit-smoke/codebeaker-codebeaker-data"
    terms = spec["nodeAffinity"]["required"]["nodeSelectorTerms"]
    assert terms[0]["matchExpressions"][0]["values"] == ["node-1"]


# -- probe and plan -----------------------------------------------------------------------


def cluster_with(crds: list[str], deployments: dict[str, str], objects: set[str]) -> FakeKubectl:
    def get_crd(args: list[str], stdin: str | None) -> str:
        return "\n".join(f"customresourcedefinition.apiextensions.k8s.io/{c}" for c in crds)

    def get_deployments(args: list[str], stdin: str | None) -> str:
        selector = args[args.index("-l") + 1]
        return deployments.get(selector, "")

    def get_object(args: list[str], stdin: str | None) -> str:
        return f"{args[1]}/{args[2]}" if f"{args[1]}/{args[2]}" in objects else ""

    return FakeKubectl(
        {
            "get crd": get_crd,
            "get deployments": get_deployments,
            "get clustersecretstore": get_object,
            "get storageclass": get_object,
        }
    )


def test_probe_of_an_empty_cluster(config: PrereqConfig) -> None:
    assert prereqs.probe(cluster_with([], {}, set()), config) == set()


def test_probe_needs_crds_and_a_running_operator(config: PrereqConfig) -> None:
    # CRDs without the controllers: only the CRD-only prerequisite counts as present
    kubectl = cluster_with(ALL_CRDS, {}, set())
    assert prereqs.probe(kubectl, config) == {PROMETHEUS_CRDS}
    kubectl = cluster_with(
        ALL_CRDS,
        {
            "app.kubernetes.io/name=argo-rollouts": "deployment.apps/argo-rollouts",
            "app.kubernetes.io/name=external-secrets": "deployment.apps/external-secrets",
        },
        {"clustersecretstore/chartkit-smoke", "storageclass/chartkit-smoke-rwx"},
    )
    assert prereqs.probe(kubectl, config) == {
        ARGO_ROLLOUTS,
        PROMETHEUS_CRDS,
        EXTERNAL_SECRETS,
        FAKE_STORE,
        RWX_STORAGE,
    }


def names(steps: list[prereqs.Step]) -> list[str]:
    return [step.name for step in steps]


def actions(config: PrereqConfig, kubectl: FakeKubectl | None = None) -> PrereqActions:
    return PrereqActions(config, kubectl or FakeKubectl(), Helm(Path("/fake/helm")))


def test_plan_on_a_new_kind_cluster_installs_everything(config: PrereqConfig) -> None:
    steps = prereqs.plan(config, set(), actions(config), kind=True)
    assert names(steps) == [
        ARGO_ROLLOUTS,
        PROMETHEUS_CRDS,
        EXTERNAL_SECRETS,
        FAKE_STORE,
        RWX_STORAGE,
    ]
    assert "v1.9.1" in steps[0].description and "2.9.0" in steps[2].description


def test_plan_keeps_what_a_cluster_already_runs(config: PrereqConfig) -> None:
    present = {ARGO_ROLLOUTS, PROMETHEUS_CRDS, EXTERNAL_SECRETS, FAKE_STORE, RWX_STORAGE}
    # the fake store is the smoke tests' own: always applied, its data may have changed
    assert names(prereqs.plan(config, present, actions(config), kind=False)) == [FAKE_STORE]


def test_plan_without_an_rwx_class_on_an_existing_cluster_fails_with_advice(
    config: PrereqConfig,
) -> None:
    steps = prereqs.plan(config, {ARGO_ROLLOUTS}, actions(config), kind=False)
    assert names(steps) == [PROMETHEUS_CRDS, EXTERNAL_SECRETS, FAKE_STORE, RWX_STORAGE]
    with pytest.raises(PrereqError, match="--rwx-storage-class"):
        steps[-1].run()


def test_plan_copies_a_named_rwx_class(config: PrereqConfig) -> None:
    kubectl = FakeKubectl(
        {"get storageclass": lambda a, s: '{"provisioner": "efs.csi.aws.com", "metadata": {}}'}
    )
    steps = prereqs.plan(
        config, {RWX_STORAGE}, actions(config, kubectl), kind=False, rwx_copy_of="efs-sc"
    )
    assert names(steps)[-1] == RWX_STORAGE and "a copy of efs-sc" in steps[-1].description
    steps[-1].run()
    assert kubectl.applied()[-1]["provisioner"] == "efs.csi.aws.com"


# -- install --------------------------------------------------------------------------------


# large CRDs exceed the client-side apply annotation limit: they go in server-side
SERVER_SIDE_APPLY = "apply --server-side --force-conflicts --field-manager=chartkit"


def test_prometheus_crds_are_applied_and_waited_for(config: PrereqConfig) -> None:
    kubectl = FakeKubectl()
    actions(config, kubectl).install_prometheus_crds()
    commands = kubectl.commands()
    assert [c for c in commands if c.startswith("apply")] == [
        f"{SERVER_SIDE_APPLY} -f {path}" for path in config.prometheus_crd_files
    ]
    assert (
        "wait crd/servicemonitors.monitoring.coreos.com --for=condition=Established "
        "--timeout=120s" in commands
    )


def test_argo_rollouts_from_the_pinned_manifest(config: PrereqConfig) -> None:
    kubectl = FakeKubectl()
    actions(config, kubectl).install_argo_rollouts()
    commands = kubectl.commands()
    assert "create namespace argo-rollouts" in commands
    assert f"{SERVER_SIDE_APPLY} --namespace argo-rollouts -f {config.argo['manifest']}" in commands
    assert any(c.startswith("rollout status deployment/argo-rollouts") for c in commands)


def test_fake_store_is_retried_while_the_webhook_starts(
    config: PrereqConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    attempts = []

    def apply(args: list[str], stdin: str | None) -> str:
        attempts.append(stdin)
        if len(attempts) < 3:
            raise KubectlError(
                ["kubectl"], 1, 'failed calling webhook "validate.clustersecretstore"'
            )
        return "clustersecretstore.external-secrets.io/chartkit-smoke serverside-applied"

    kubectl = FakeKubectl({"apply": apply})
    actions(config, kubectl).apply_fake_store()
    assert len(attempts) == 3
    assert kubectl.commands()[-1].startswith(
        "wait clustersecretstore/chartkit-smoke --for=condition=Ready"
    )


def test_install_reports_each_step_and_names_the_failing_one(config: PrereqConfig) -> None:
    kubectl = FakeKubectl({"rollout status": failure("deployment argo-rollouts timed out")})
    steps = prereqs.plan(config, {EXTERNAL_SECRETS}, actions(config, kubectl), kind=True)
    lines: list[str] = []
    with pytest.raises(PrereqError, match=r"Argo Rollouts v1\.9\.1 .*timed out"):
        prereqs.install(steps, lines.append)
    assert lines == [f"prerequisite: {steps[0].description}"]


def fake_helm(tmp_path: Path, version: str, fail: str = "") -> tuple[Helm, Path]:
    """The Helm wrapper around a helm script that reports `version`, logs every other call
    and, given `fail`, prints it to stderr and exits 1."""
    log = tmp_path / "helm.log"
    binary = tmp_path / "helm"
    exit_code = f'echo "{fail}" >&2; exit 1' if fail else "exit 0"
    binary.write_text(
        f'#!/bin/sh\nif [ "$1" = version ]; then echo v{version}; exit 0; fi\n'
        f'echo "$@" >> {log}\n{exit_code}\n'
    )
    binary.chmod(0o755)
    return Helm(binary, kube_context="smoke"), log


@pytest.mark.parametrize(("version", "wait"), [("4.1.4", "--wait=watcher"), ("3.18.0", "--wait")])
def test_external_secrets_from_its_pinned_chart(
    config: PrereqConfig, tmp_path: Path, version: str, wait: str
) -> None:
    helm, log = fake_helm(tmp_path, version)
    kubectl = FakeKubectl()
    PrereqActions(config, kubectl, helm).install_external_secrets()
    assert log.read_text().split() == [
        "upgrade",
        "--install",
        "external-secrets",
        "external-secrets",
        "--repo",
        "https://charts.external-secrets.io",
        "--version",
        "2.9.0",
        "--namespace",
        "external-secrets",
        "--create-namespace",
        wait,
        "--timeout",
        "5m",
        "--kube-context",
        "smoke",
    ]
    assert [c for c in kubectl.commands() if c.startswith("wait crd/")] == [
        "wait crd/externalsecrets.external-secrets.io --for=condition=Established --timeout=120s",
        "wait crd/clustersecretstores.external-secrets.io --for=condition=Established "
        "--timeout=120s",
        "wait crd/secretstores.external-secrets.io --for=condition=Established --timeout=120s",
    ]


def test_a_failing_external_secrets_install_names_the_operator_and_helms_error(
    config: PrereqConfig, tmp_path: Path
) -> None:
    helm, log = fake_helm(tmp_path, "4.1.4", fail="Error: chart external-secrets not found")
    kubectl = FakeKubectl()
    with pytest.raises(
        PrereqError, match=r"External Secrets Operator: helm failed: .*chart external-secrets"
    ):
        PrereqActions(config, kubectl, helm).install_external_secrets()
    assert log.read_text().startswith("upgrade --install external-secrets ")
    assert not [c for c in kubectl.commands() if c.startswith("wait crd/")]
