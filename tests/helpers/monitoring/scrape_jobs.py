"""The `job` label the Prometheus operator gives the targets of rendered ServiceMonitors and
PodMonitors, so that tests of alerts on a target's own series (up, scrape_samples_scraped)
take it from the objects that decide it.

Without `jobLabel`, a ServiceMonitor's targets get the name of the Service they were found
through, and a PodMonitor's targets "<namespace>/<PodMonitor name>".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from chartkit.releases.manifest import Object, describe, name_of


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Whether a Kubernetes label selector (matchLabels, matchExpressions) selects labels."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def _namespaces(monitor: Object) -> set[str] | None:
    """The namespaces a monitor looks in (None: any)."""
    chosen = (monitor.get("spec") or {}).get("namespaceSelector") or {}
    if chosen.get("any"):
        return None
    return set(chosen.get("matchNames") or [monitor["metadata"].get("namespace")])


def scrape_jobs(objects: Iterable[Object]) -> dict[str, list[str]]:
    """ "<Kind>/<name>" of every ServiceMonitor and PodMonitor -> the job labels of its targets
    (a ServiceMonitor: one per Service it selects among the objects)."""
    objects = list(objects)
    found: dict[str, list[str]] = {}
    for monitor in objects:
        kind, spec = monitor.get("kind"), monitor.get("spec") or {}
        if kind not in ("ServiceMonitor", "PodMonitor"):
            continue
        if spec.get("jobLabel"):
            raise ValueError(f"{describe(monitor)}: jobLabel takes the job from a label")
        if kind == "PodMonitor":
            found[describe(monitor)] = [f"{monitor['metadata']['namespace']}/{name_of(monitor)}"]
            continue
        namespaces = _namespaces(monitor)
        found[describe(monitor)] = [
            name_of(service)
            for service in objects
            if service.get("kind") == "Service"
            and (namespaces is None or service["metadata"].get("namespace") in namespaces)
            and selects(spec.get("selector") or {}, service["metadata"].get("labels") or {})
        ]
    return found


def scrape_job(objects: Iterable[Object], monitor: str) -> str:
    """The one job of a monitor ("ServiceMonitor/x"); it must select exactly one Service."""
    jobs = scrape_jobs(objects).get(monitor)
    if jobs is None:
        raise ValueError(f"no {monitor} among the objects")
    if len(jobs) != 1:
        raise ValueError(f"{monitor} scrapes {len(jobs)} Services ({jobs}), expected one")
    return jobs[0]
