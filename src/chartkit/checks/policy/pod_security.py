"""The Pod Security Standards of Kubernetes 1.36 as policy rules (ids `pss-*`): every control
of baseline (pss_baseline) and restricted (pss_restricted), judged on Pods and the pod
template of every workload kind, init and ephemeral containers included.

The platform's policy is restricted: its rules are the controls Pod Security admission
judges at restricted, each baseline control except those a restricted one replaces, and
every restricted control. `controls_at` gives the controls judged at a level, which
chartkit.checks.podsecurity uses to tell the level a release's pods need.

hostUsers is no control of the standards: a pod in its own user namespace (`hostUsers:
false`) is judged more leniently by Running as Non-root, Running as Non-root user and, at
baseline, /proc Mount Type, as Pod Security admission has done since 1.35.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from chartkit.checks.policy.base import (
    Control,
    Finding,
    Level,
    PodTemplate,
    ReleaseObjects,
    Rule,
)
from chartkit.checks.policy.pss_baseline import BASELINE
from chartkit.checks.policy.pss_restricted import RESTRICTED
from chartkit.releases.manifest import Object, is_workload

CONTROLS: tuple[Control, ...] = (*BASELINE, *RESTRICTED)


def controls_at(level: Level) -> tuple[Control, ...]:
    """The controls Pod Security admission judges at `level`: baseline's at baseline; at
    restricted every control but the baseline ones a restricted control replaces; none at
    privileged."""
    judged = [c for c in CONTROLS if c.level == "baseline" or level == "restricted"]
    if level == "privileged":
        return ()
    replaced = {c.replaces for c in judged}
    return tuple(c for c in judged if c.id not in replaced)


def judge(control: Control, obj: Object, level: Level) -> list[Finding]:
    """The control's findings on a workload's (or Pod's) pod template at `level`."""
    if not is_workload(obj):
        return []
    return list(control.check(PodTemplate(obj), level))


def _rule_check(control: Control) -> Callable[[Object, ReleaseObjects], Iterable[Finding]]:
    return lambda obj, release: judge(control, obj, "restricted")


RULES: tuple[Rule, ...] = tuple(
    Rule(control.id, f"{control.name}: {control.summary}", _rule_check(control))
    for control in controls_at("restricted")
)
