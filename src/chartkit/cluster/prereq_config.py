"""The pins of the smoke cluster's prerequisites (ci/prereqs.yaml), and the names the
prerequisite steps go by."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PREREQS_FILE = Path("ci") / "prereqs.yaml"

# What `probe` reports as present.
ARGO_ROLLOUTS = "argo-rollouts"
PROMETHEUS_CRDS = "prometheus-operator-crds"
EXTERNAL_SECRETS = "external-secrets"
FAKE_STORE = "fake-secret-store"
RWX_STORAGE = "rwx-storage-class"

ARGO_CRD_NAMES = ("rollouts.argoproj.io", "analysistemplates.argoproj.io")
PROMETHEUS_CRD_NAMES = (
    "servicemonitors.monitoring.coreos.com",
    "podmonitors.monitoring.coreos.com",
    "prometheusrules.monitoring.coreos.com",
)
ESO_CRD_NAMES = (
    "externalsecrets.external-secrets.io",
    "clustersecretstores.external-secrets.io",
    "secretstores.external-secrets.io",
)


class PrereqError(Exception):
    """A prerequisite could not be installed; the message says which and why."""


@dataclass(frozen=True)
class PrereqConfig:
    root: Path
    raw: dict[str, Any]

    @property
    def argo(self) -> dict[str, Any]:
        return dict(self.raw["argoRollouts"])

    @property
    def prometheus_crd_files(self) -> list[Path]:
        return [self.root / f for f in self.raw["prometheusOperatorCrds"]["files"]]

    @property
    def eso(self) -> dict[str, Any]:
        return dict(self.raw["externalSecrets"])

    @property
    def fake_store(self) -> dict[str, Any]:
        return dict(self.raw["fakeSecretStore"])

    @property
    def rwx(self) -> dict[str, Any]:
        return dict(self.raw["rwxStorage"])


def load_config(root: Path) -> PrereqConfig:
    return PrereqConfig(root=root, raw=yaml.safe_load((root / PREREQS_FILE).read_text()))
