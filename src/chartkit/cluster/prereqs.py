"""What a smoke-test cluster needs besides the charts, and installing what is absent.

The pins live in ci/prereqs.yaml (chartkit.cluster.prereq_config). `probe` asks the
cluster what is there, `plan` (pure) turns that into the steps still to do, `install` runs
them. The fake secret store and the ReadWriteMany storage class belong to the smoke tests
(chartkit.cluster.prereq_objects) and are always (re)applied.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import yaml

from chartkit.cluster.prereq_config import (
    ARGO_CRD_NAMES,
    ARGO_ROLLOUTS,
    ESO_CRD_NAMES,
    EXTERNAL_SECRETS,
    FAKE_STORE,
    PROMETHEUS_CRD_NAMES,
    PROMETHEUS_CRDS,
    RWX_STORAGE,
    PrereqConfig,
    PrereqError,
)
from chartkit.cluster.prereq_objects import fake_store_manifest, rwx_storage_class
from chartkit.tools.helm import Helm, HelmError
from chartkit.tools.kubectl import Kubectl, KubectlError


@dataclass(frozen=True)
class Step:
    name: str  # one of the step names of chartkit.cluster.prereq_config
    description: str
    run: Callable[[], None] = field(compare=False, repr=False)


def probe(kubectl: Kubectl, config: PrereqConfig) -> set[str]:
    """What the cluster already has."""
    present: set[str] = set()
    crds = set(kubectl.run(["get", "crd", "-o", "name"]).split())
    have = {c.removeprefix("customresourcedefinition.apiextensions.k8s.io/") for c in crds}
    if set(ARGO_CRD_NAMES) <= have and _deployment_anywhere(
        kubectl, "app.kubernetes.io/name=argo-rollouts"
    ):
        present.add(ARGO_ROLLOUTS)
    if set(PROMETHEUS_CRD_NAMES) <= have:
        present.add(PROMETHEUS_CRDS)
    if set(ESO_CRD_NAMES) <= have and _deployment_anywhere(
        kubectl, "app.kubernetes.io/name=external-secrets"
    ):
        present.add(EXTERNAL_SECRETS)
    if EXTERNAL_SECRETS in present and kubectl.exists(
        "clustersecretstore", config.fake_store["name"]
    ):
        present.add(FAKE_STORE)
    if kubectl.exists("storageclass", config.rwx["storageClassName"]):
        present.add(RWX_STORAGE)
    return present


def _deployment_anywhere(kubectl: Kubectl, selector: str) -> bool:
    out = kubectl.run(["get", "deployments", "--all-namespaces", "-l", selector, "-o", "name"])
    return bool(out.strip())


def plan(
    config: PrereqConfig,
    present: set[str],
    actions: PrereqActions,
    kind: bool,
    rwx_copy_of: str | None = None,
) -> list[Step]:
    """The steps still to run, in order. The fake store is always applied (it is ours and
    its data may have changed); the RWX class is made on kind or when a class to copy is
    given, and otherwise must already exist."""
    steps: list[Step] = []
    argo, eso = config.argo, config.eso
    if ARGO_ROLLOUTS not in present:
        steps.append(
            Step(
                ARGO_ROLLOUTS,
                f"Argo Rollouts {argo['version']} (controller and CRDs) in {argo['namespace']}",
                actions.install_argo_rollouts,
            )
        )
    if PROMETHEUS_CRDS not in present:
        version = config.raw["prometheusOperatorCrds"]["version"]
        steps.append(
            Step(
                PROMETHEUS_CRDS,
                f"prometheus-operator {version} CRDs from ci/crds",
                actions.install_prometheus_crds,
            )
        )
    if EXTERNAL_SECRETS not in present:
        steps.append(
            Step(
                EXTERNAL_SECRETS,
                f"External Secrets Operator {eso['version']} (Helm chart) in {eso['namespace']}",
                actions.install_external_secrets,
            )
        )
    steps.append(
        Step(
            FAKE_STORE,
            f"ClusterSecretStore {config.fake_store['name']} (fake provider, "
            f"{len(config.fake_store['data'])} test values)",
            actions.apply_fake_store,
        )
    )
    rwx_name = config.rwx["storageClassName"]
    if kind or rwx_copy_of:
        source = f"a copy of {rwx_copy_of}" if rwx_copy_of else "hostPath volumes on the node"
        steps.append(
            Step(
                RWX_STORAGE,
                f"StorageClass {rwx_name} ({source})",
                lambda: actions.apply_rwx_class(rwx_copy_of),
            )
        )
    elif RWX_STORAGE not in present:
        steps.append(Step(RWX_STORAGE, f"StorageClass {rwx_name}", actions.missing_rwx_class))
    return steps


class PrereqActions:
    """The install steps, against one cluster."""

    def __init__(self, config: PrereqConfig, kubectl: Kubectl, helm: Helm) -> None:
        self.config = config
        self.kubectl = kubectl
        self.helm = helm  # pointed at the same cluster as kubectl

    def install_argo_rollouts(self) -> None:
        argo = self.config.argo
        self._ensure_namespace(argo["namespace"])
        self.kubectl.apply_file(argo["manifest"], namespace=argo["namespace"])
        self.kubectl.run(
            [
                "rollout",
                "status",
                f"deployment/{argo['deployment']}",
                "--namespace",
                argo["namespace"],
                "--timeout=300s",
            ],
            timeout=330,
        )

    def install_prometheus_crds(self) -> None:
        for path in self.config.prometheus_crd_files:
            self.kubectl.apply_file(path)
        for path in self.config.prometheus_crd_files:
            name = yaml.safe_load(path.read_text())["metadata"]["name"]
            self._crd_established(name)

    def install_external_secrets(self) -> None:
        eso = self.config.eso
        try:
            self.helm.upgrade_install(
                eso["release"],
                eso["chart"],
                eso["namespace"],
                repo=eso["repository"],
                chart_version=str(eso["version"]),
                create_namespace=True,
                timeout="5m",
            )
        except HelmError as error:
            raise PrereqError(
                f"External Secrets Operator: helm failed: {error.stderr.strip()}"
            ) from None
        for crd in ESO_CRD_NAMES:
            self._crd_established(crd)

    def apply_fake_store(self) -> None:
        # The operator's webhook may take a moment after its pods are ready.
        _retry(lambda: self.kubectl.apply([fake_store_manifest(self.config)]), attempts=12)
        self.kubectl.run(
            [
                "wait",
                f"clustersecretstore/{self.config.fake_store['name']}",
                "--for=condition=Ready",
                "--timeout=120s",
            ],
            timeout=150,
        )

    def apply_rwx_class(self, copy_of: str | None) -> None:
        source = self.kubectl.get_json("storageclass", copy_of) if copy_of else None
        self.kubectl.apply([rwx_storage_class(self.config, source)])

    def missing_rwx_class(self) -> None:
        name = self.config.rwx["storageClassName"]
        raise PrereqError(
            f"StorageClass {name} is missing: the smoke values put ReadWriteMany claims on "
            f"it. Pass --rwx-storage-class <an existing RWX class> to create it as a copy, "
            f"or create it yourself"
        )

    def _ensure_namespace(self, name: str) -> None:
        if not self.kubectl.exists("namespace", name):
            self.kubectl.run(["create", "namespace", name])

    def _crd_established(self, name: str) -> None:
        self.kubectl.run(
            ["wait", f"crd/{name}", "--for=condition=Established", "--timeout=120s"],
            timeout=150,
        )


def _retry(action: Callable[[], object], attempts: int, delay: float = 5.0) -> None:
    import time

    for attempt in range(attempts):
        try:
            action()
            return
        except KubectlError:
            if attempt == attempts - 1:
                raise
            time.sleep(delay)


def install(steps: Sequence[Step], report: Callable[[str], None]) -> None:
    """Run the planned steps in order, reporting each; the first failure stops."""
    for step in steps:
        report(f"prerequisite: {step.description}")
        try:
            step.run()
        except (KubectlError, PrereqError) as error:
            raise PrereqError(f"{step.description}: {error}") from None
