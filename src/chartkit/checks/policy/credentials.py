"""Rules on credentials: no secret values in env, ConfigMaps or rendered Secrets, and no
ServiceAccount API token mounted unless the pod asks for it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from chartkit.checks.policy.base import (
    Finding,
    ReleaseObjects,
    Rule,
    all_containers,
    spec_prefix,
)
from chartkit.releases.manifest import Object, is_workload, name_of, pod_spec

# Env var / ConfigMap key names that hold secrets, and value shapes that are secrets.
_SECRET_NAME = re.compile(
    r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|_KEY$|^KEY$)",
    re.IGNORECASE,
)
_NOT_SECRET_NAME = re.compile(
    r"(_PATH|_FILE|_URL|_URI|_ENDPOINT|_ID|_NAME|_TIMEOUT\w*)$", re.IGNORECASE
)
SECRET_VALUE = re.compile(
    r"(-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|\bsk-[A-Za-z0-9_-]{20,}"
    r"|\bsk-ant-[A-Za-z0-9_-]{20,}"
    r"|\bAKIA[0-9A-Z]{16}\b"
    r"|\bAIza[0-9A-Za-z_-]{35}\b"
    r"|\bgh[pousr]_[A-Za-z0-9]{30,}"
    r"|\bxox[abposr]-[A-Za-z0-9-]{10,}"
    r"|\blsv2_[A-Za-z0-9_]{20,}"
    r"|\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\."
    r"|://[^/\s:@]+:[^/\s@]+@)"
)


def _secret_literals(obj: Object, release: ReleaseObjects) -> Iterator[Finding]:
    kind = obj.get("kind")
    if kind == "Secret" and ((obj.get("data") or {}) or (obj.get("stringData") or {})):
        yield "data", "the chart renders secret material; reference a Secret or ExternalSecret"
    if kind == "ConfigMap":
        for key, value in (obj.get("data") or {}).items():
            if looks_secret(str(key), str(value)):
                yield f"data.{key}", "looks like a secret; keep it in a Secret"
    if is_workload(obj):
        for path, item in all_containers(obj):
            for index, env in enumerate(item.get("env") or []):
                if "value" in env and looks_secret(str(env.get("name")), str(env["value"])):
                    yield (
                        f"{path}.env[{index}].value",
                        f"{env.get('name')} looks like a secret literal; use secretKeyRef",
                    )


def looks_secret(name: str, value: str) -> bool:
    """Whether an env var or ConfigMap key `name` with this value holds a secret literal
    (also what chartkit masks in the messages it prints, chartkit.checks.redaction)."""
    if not value.strip():
        return False
    if SECRET_VALUE.search(value):
        return True
    if value.startswith("/") and " " not in value:
        return False  # a path to a mounted secret file names the secret, it is not one
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET_NAME.search(name)


def _service_account_token(obj: Object, release: ReleaseObjects) -> Iterator[Finding]:
    if not is_workload(obj):
        return
    spec = pod_spec(obj)
    if "automountServiceAccountToken" in spec:
        return  # decided explicitly on the pod
    account = spec.get("serviceAccountName") or "default"
    for candidate in release.objects:
        if candidate.get("kind") == "ServiceAccount" and name_of(candidate) == account:
            if candidate.get("automountServiceAccountToken") is False:
                return
            break
    yield (
        f"{spec_prefix(obj)}.automountServiceAccountToken",
        f"the API token of ServiceAccount {account!r} is mounted; set "
        "automountServiceAccountToken: false unless the pod calls the API",
    )


RULES: tuple[Rule, ...] = (
    Rule(
        "no-secret-literals",
        "no secret values in env, ConfigMaps or rendered Secrets",
        _secret_literals,
    ),
    Rule(
        "service-account-token",
        "the ServiceAccount token is mounted only when asked for",
        _service_account_token,
    ),
)
