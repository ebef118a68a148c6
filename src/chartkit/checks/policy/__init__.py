"""Policy rules run on a release's rendered objects.

Each rule has an id, a one-line reason, and reports the object and the field path of each
violation. The rules come in groups, one module each: `pod_security` (the restricted Pod
Security Standard: the controls of `pss_baseline` and `pss_restricted`), `containers`,
`wiring` (how the objects fit together) and `credentials`; `base` holds what they share.
This module runs them all.

A rule can be waived for one object only through an annotation on that object (on a
workload, its metadata or its pod template's metadata):

    policy.chartkit.io/exempt-<rule-id>: "<why this object needs the exception>"

An exemption with an empty reason, or naming a rule that does not exist, is itself a
violation (rule `policy-exemption`).

May import: chartkit.tools, chartkit.releases.
"""

from __future__ import annotations

from collections.abc import Iterable

from chartkit.checks.policy import containers, credentials, pod_security, wiring
from chartkit.checks.policy.base import ReleaseObjects, Rule, Violation
from chartkit.releases.manifest import Object, is_workload, name_of, pod_template_metadata

EXEMPT_PREFIX = "policy.chartkit.io/exempt-"
RULES: tuple[Rule, ...] = (
    *pod_security.RULES,
    *containers.RULES,
    *wiring.RULES,
    *credentials.RULES,
)
RULE_IDS = frozenset(rule.id for rule in RULES)


def exemptions(obj: Object) -> dict[str, str]:
    """rule id -> reason, from the object's (and its pod template's) annotations."""
    found: dict[str, str] = {}
    sources = [(obj.get("metadata") or {}).get("annotations") or {}]
    if is_workload(obj) and obj["kind"] != "Pod":
        sources.append(pod_template_metadata(obj).get("annotations") or {})
    for source in sources:
        for key, value in source.items():
            if key.startswith(EXEMPT_PREFIX):
                found[key[len(EXEMPT_PREFIX) :]] = str(value or "").strip()
    return found


def _exemption_problem(rule_id: str, reason: str) -> str | None:
    """What is wrong with one exemption annotation, if anything."""
    if rule_id not in RULE_IDS:
        return f"exempts unknown rule {rule_id!r}"
    if not reason:
        return f"exemption from {rule_id} gives no reason"
    return None


def check(objects: Iterable[Object], rules: Iterable[Rule] = RULES) -> list[Violation]:
    """Every violation in one release's objects, exemptions applied."""
    release = ReleaseObjects(objects=tuple(objects))
    violations: list[Violation] = []
    rules = tuple(rules)
    for obj in release.objects:
        kind, name = str(obj.get("kind")), name_of(obj)
        waived = exemptions(obj)
        for rule_id, reason in sorted(waived.items()):
            problem = _exemption_problem(rule_id, reason)
            if problem:
                violations.append(
                    Violation("policy-exemption", kind, name, "metadata.annotations", problem)
                )
        for rule in rules:
            if waived.get(rule.id):
                continue
            for path, message in rule.check(obj, release):
                violations.append(Violation(rule.id, kind, name, path, message))
    return violations
