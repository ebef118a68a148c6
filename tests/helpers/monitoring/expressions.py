"""Every PromQL expression a rendered release holds, for promtool to parse."""

from __future__ import annotations

from collections.abc import Sequence

from chartkit.releases.manifest import Object
from helpers.monitoring.analysis import analysis_expressions
from helpers.monitoring.grafana import configmap_dashboards, dashboard_expressions
from helpers.monitoring.rules import rule_expressions
from helpers.promtool import Expression


def manifest_expressions(objects: Sequence[Object]) -> list[Expression]:
    """Every PromQL expression of a release: rules, analysis queries, dashboards."""
    found = rule_expressions(objects) + analysis_expressions(objects)
    for source, dashboard in configmap_dashboards(objects):
        found += dashboard_expressions(dashboard, source)
    return found
