"""charts/codebeaker renamed keys (renamed-keys.yaml): 2.0.0 moved both workloads onto the
workload model's vocabulary. Each old key fails naming its new key and how to rewrite it, the
schema admits it so that message is what a user sees, and values.yaml sets none of them."""

from __future__ import annotations

from typing import Any

import pytest
from chart_fixtures import chart_release_fixture
from refusals import assert_admitted_and_not_a_default, assert_each_refused_naming_its_new_key

from helpers.helm_versions import HELMS

CHART = "codebeaker"
VALUES = "values/codebeaker-prod.yaml"
MAPS = {"api.pdb", "worker.pdb", "api.secretEnv", "worker.secretEnv"}
LISTS = {"imagePullSecrets", "worker.probes.command", "api.loadBalancer.sourceRanges"}


chart_under_test = chart_release_fixture(
    CHART, VALUES, release="codebeaker", namespace="codebeaker"
)


def old_value(key: str) -> Any:
    if key in MAPS:
        return {"enabled": True} if key.endswith("pdb") else {"X": {"secretName": "s", "key": "k"}}
    if key in LISTS:
        return ["x"]
    return 1 if key.endswith(("maxSurge", "maxUnavailable")) else "x"


@pytest.mark.parametrize("helm", HELMS)
def test_every_old_key_names_its_new_key(refuse, renamed, helm) -> None:
    old_values = {entry["key"]: old_value(entry["key"]) for entry in renamed}
    assert_each_refused_naming_its_new_key(refuse, renamed, old_values, helm)


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
        "api.secretEnv is now api.env (since 2.0.0): each NAME: {secretName: s, key: k, "
        "optional: o} becomes NAME: {secretKeyRef: {name: s, key: k, optional: o}}",
        "worker.rollingUpdate.maxSurge is now worker.updateStrategy.rollingUpdate.maxSurge",
        "worker.probes.command is now worker.probes.startup.command and "
        "worker.probes.liveness.command",
    ):
        assert line in error, error


def test_every_old_key_is_admitted_by_the_schema_and_is_not_a_current_key(
    repo_root, renamed
) -> None:
    assert_admitted_and_not_a_default(repo_root / "charts" / CHART, renamed)
