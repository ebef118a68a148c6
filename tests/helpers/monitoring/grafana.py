"""Grafana dashboards: their PromQL, with Grafana's variables filled in so that promtool can
parse it, from dashboard files and from the ConfigMaps that ship them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from chartkit.releases.manifest import Object, name_of
from helpers.promtool import Expression

# Grafana's built-in interval variables, replaced by durations PromQL accepts.
GRAFANA_BUILTINS = {
    "__rate_interval": "2m",
    "__interval": "1m",
    "__range": "1h",
    "__interval_ms": "60000",
    "__range_s": "3600",
    "__range_ms": "3600000",
}
_GRAFANA_VARIABLE = re.compile(
    r"\$\{([A-Za-z0-9_]+)(?::[A-Za-z0-9_]+)?\}|\[\[([A-Za-z0-9_]+)(?::[A-Za-z0-9_]+)?\]\]"
    r"|\$([A-Za-z0-9_]+)"
)


def dashboard_variables(dashboard: Mapping[str, Any]) -> dict[str, str]:
    """A value for each templating variable: its current value, else its "All" value."""
    values: dict[str, str] = {}
    for variable in (dashboard.get("templating") or {}).get("list") or []:
        current = (variable.get("current") or {}).get("value")
        if isinstance(current, list):
            current = current[0] if len(current) == 1 else None
        if current in (None, "", "$__all"):
            current = variable.get("allValue") or ".*"
        values[variable["name"]] = str(current)
    return values


def grafana_to_promql(expr: str, variables: Mapping[str, str]) -> str:
    """A Grafana query with its variables ($x, ${x}, ${x:fmt}, [[x]], $__rate_interval...)
    replaced, so that promtool can parse it."""

    def replace(match: re.Match[str]) -> str:
        name = next(g for g in match.groups() if g)
        if name in GRAFANA_BUILTINS:
            return GRAFANA_BUILTINS[name]
        if name in variables:
            return variables[name]
        raise ValueError(f"Grafana variable ${name} is not defined in the dashboard")

    return _GRAFANA_VARIABLE.sub(replace, expr)


def _variable_query(text: str) -> str | None:
    """The PromQL inside a Prometheus templating query, if it has any:
    label_values(<selector>, label) and query_result(<expr>); label_values(label) has none."""
    text = text.strip()
    match = re.fullmatch(r"label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)", text, re.S)
    if match:
        return match.group(1)
    match = re.fullmatch(r"query_result\((.*)\)", text, re.S)
    if match:
        return match.group(1)
    return None


def dashboard_expressions(dashboard: Mapping[str, Any], source: str) -> list[Expression]:
    """Every PromQL expression of a dashboard: panel targets (nested rows too) and the
    queries of templating variables, with Grafana's variables replaced."""
    variables = dashboard_variables(dashboard)
    found = []

    def panels(items: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
        for panel in items:
            yield panel
            yield from panels(panel.get("panels") or [])

    for panel in panels(dashboard.get("panels") or []):
        for target in panel.get("targets") or []:
            if target.get("expr"):
                where = f"{source} panel {panel.get('title')!r} target {target.get('refId', '?')}"
                found.append(Expression(where, grafana_to_promql(target["expr"], variables)))
    for variable in (dashboard.get("templating") or {}).get("list") or []:
        if variable.get("type") != "query":
            continue
        query = variable.get("query")
        text = query.get("query") if isinstance(query, Mapping) else query
        inner = _variable_query(str(text or ""))
        if inner:
            where = f"{source} variable {variable.get('name')}"
            found.append(Expression(where, grafana_to_promql(inner, variables)))
    return found


def configmap_dashboards(objects: Iterable[Object]) -> list[tuple[str, dict[str, Any]]]:
    """Grafana dashboards shipped in ConfigMaps: (source, dashboard) for every JSON entry
    that is a dashboard (has panels)."""
    found = []
    for obj in objects:
        if obj.get("kind") != "ConfigMap":
            continue
        for key, text in (obj.get("data") or {}).items():
            if not key.endswith(".json"):
                continue
            try:
                dashboard = json.loads(text)
            except json.JSONDecodeError:
                continue
            if isinstance(dashboard, dict) and "panels" in dashboard:
                found.append((f"ConfigMap/{name_of(obj)} {key}", dashboard))
    return found
