"""charts/codebeaker renamed keys (renamed-keys.yaml): 2.0.0 moved both workloads onto the
workload model's vocabulary. Each old key fails naming its new key and how to rewrite it, the
schema admits it so that message is what a user sees, and values.yaml sets none of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

CHART = "codebeaker"
VALUES = "values/codebeaker-prod.yaml"
HELMS = ("4.1.4", "3.18.0")
MAPS = {"api.pdb", "worker.pdb", "api.secretEnv", "worker.secretEnv"}
LISTS = {"imagePullSecrets", "worker.probes.command", "api.loadBalancer.sourceRanges"}


@pytest.fixture(scope="session")
def refuse(chart_release):
    return chart_release(CHART, VALUES, release="codebeaker", namespace="codebeaker").refuse


@pytest.fixture(scope="session")
def table(repo_root: Path) -> list[dict[str, Any]]:
    return yaml.safe_load((repo_root / "charts/codebeaker/renamed-keys.yaml").read_text())[
        "renamed"
    ]


def old_value(key: str) -> Any:
    if key in MAPS:
        return {"enabled": True} if key.endswith("pdb") else {"X": {"secretName": "s", "key": "k"}}
    if key in LISTS:
        return ["x"]
    return 1 if key.endswith(("maxSurge", "maxUnavailable")) else "x"


@pytest.mark.parametrize("helm", HELMS)
def test_every_old_key_names_its_new_key(refuse, table, helm) -> None:
    for entry in table:
        error = refuse({entry["key"]: old_value(entry["key"])}, helm=helm)
        new = entry["to"] if isinstance(entry["to"], list) else [entry["to"]]
        assert f"values error: {entry['key']}:" in error, error
        assert f"{entry['key']} is now {' and '.join(new)} (since 2.0.0)" in error, error
        assert "chartkit migrate" in error


@pytest.mark.parametrize("helm", HELMS)
def test_a_1x_values_file_fails_naming_every_old_key_at_once(refuse, helm) -> None:
    error = refuse(
        {
            "api.podAntiAffinity": "soft",
            "api.secretEnv": {"API_SIGNING_KEY": {"secretName": "codebeaker-api", "key": "k"}},
            "worker.rollingUpdate.maxSurge": 0,
            "worker.probes.command": ["/bin/true"],
        },
        helm=helm,
    )
    for line in (
        "api.podAntiAffinity is now api.podAntiAffinityPreset",
        "api.secretEnv is now api.env (since 2.0.0): each NAME: {secretName: s, key: k} becomes "
        "NAME: {secretKeyRef: {name: s, key: k}}",
        "worker.rollingUpdate.maxSurge is now worker.updateStrategy.rollingUpdate.maxSurge",
        "worker.probes.command is now worker.probes.startup.command and "
        "worker.probes.liveness.command",
    ):
        assert line in error, error


def test_every_old_key_is_admitted_by_the_schema_and_is_not_a_current_key(repo_root, table) -> None:
    defaults = yaml.safe_load((repo_root / "charts/codebeaker/values.yaml").read_text())
    for entry in table:
        node: Any = defaults
        for part in entry["key"].split("."):
            node = node.get(part) if isinstance(node, dict) else None
        assert node is None, entry["key"]
