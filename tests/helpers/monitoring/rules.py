"""The Prometheus rules of rendered manifests: the rule file the Prometheus operator would
hand to Prometheus, the alerting rules by name, and each rule's PromQL expression."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from chartkit.releases.manifest import Object, describe
from helpers.promtool import Expression


def prometheus_rules(objects: Iterable[Object]) -> list[Object]:
    return [o for o in objects if o.get("kind") == "PrometheusRule"]


def rule_file(objects: Iterable[Object]) -> dict[str, Any]:
    """A Prometheus rule file with the groups of every PrometheusRule among the objects
    (what the Prometheus operator hands to Prometheus)."""
    groups = []
    for rule in prometheus_rules(objects):
        groups += copy.deepcopy((rule.get("spec") or {}).get("groups") or [])
    return {"groups": groups}


def alert_rules(objects: Iterable[Object]) -> dict[str, dict[str, Any]]:
    """Alerting rules of the objects' PrometheusRules, by alert name."""
    return alert_rules_of(rule_file(objects))


def rule_expressions(objects: Iterable[Object]) -> list[Expression]:
    found = []
    for obj in prometheus_rules(objects):
        for group in (obj.get("spec") or {}).get("groups") or []:
            for rule in group.get("rules") or []:
                what = (
                    f"alert {rule['alert']}" if "alert" in rule else f"record {rule.get('record')}"
                )
                source = f"{describe(obj)} group {group.get('name')} {what}"
                found.append(Expression(source, str(rule.get("expr", ""))))
    return found


def alert_rules_of(rules: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Alerting rules of a rule file, by alert name (an alert defined twice is an error)."""
    found: dict[str, dict[str, Any]] = {}
    for group in rules.get("groups") or []:
        for rule in group.get("rules") or []:
            if "alert" in rule:
                if rule["alert"] in found:
                    raise ValueError(f"alert {rule['alert']} is defined twice")
                found[rule["alert"]] = rule
    return found
