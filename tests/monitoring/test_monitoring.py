"""Every PromQL expression the repository ships parses, and every rendered PrometheusRule
passes `promtool check rules`: the dashboards (source files and the rendered ConfigMaps,
Grafana variables filled in), the PrometheusRules and the AnalysisTemplates of every
release, bare and with each overlay; and the helpers in tests/helpers/monitoring that feed
promtool."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from chartkit.releases.inventory import find_root, load
from helpers.monitoring.alert_series import error_counts, format_duration
from helpers.monitoring.analysis import analysis_queries, substitute_args
from helpers.monitoring.expressions import manifest_expressions
from helpers.monitoring.grafana import dashboard_expressions, grafana_to_promql
from helpers.monitoring.rule_tests import (
    drop_inapplicable_cases,
    expand_annotation,
    fill_placeholders,
)
from helpers.monitoring.rules import prometheus_rules, rule_file
from helpers.promtool import Expression, Promtool, write_yaml

ROOT = find_root()
INVENTORY = load(ROOT)
OVERLAYS = [None, *(o.name for o in INVENTORY.overlays)]
RELEASES = [r.name for r in INVENTORY.releases]
DASHBOARDS = sorted(ROOT.glob("charts/*/dashboards/*.json"))
# Renders that switch on what the inventory leaves off, so their expressions are parsed too.
EXTRA_RENDERS = {
    "r-analytics latency alert": (
        "r-analytics",
        "values/r-analytics.yaml",
        {"prometheusRule.enabled": True, "prometheusRule.latency.enabled": True},
    ),
    "codebeaker API alert": (
        "codebeaker",
        "values/codebeaker-prod.yaml",
        {"prometheusRule.enabled": True, "serviceMonitor.enabled": True},
    ),
    "api in Deployment mode": (
        "api",
        "values/mpcstudy.yaml",
        {"prometheusRule.enabled": True, "rollouts.enabled": False},
    ),
}


def assert_parse(promtool: Promtool, expressions: list[Expression]) -> None:
    problems = promtool.parse(expressions)
    assert not problems, "PromQL that does not parse:\n" + "\n".join(map(str, problems))


# -- the repository's expressions ---------------------------------------------------------------


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: str(p.relative_to(ROOT)))
def test_dashboard_source_queries_parse(promtool: Promtool, path: Path) -> None:
    expressions = dashboard_expressions(json.loads(path.read_text()), str(path.relative_to(ROOT)))
    assert expressions, f"{path}: no PromQL found"
    assert_parse(promtool, expressions)


def test_there_are_dashboards_to_check() -> None:
    assert DASHBOARDS, "charts/*/dashboards/*.json: none found"


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda o: o or "bare")
@pytest.mark.parametrize("release", RELEASES)
def test_release_expressions_parse(render_release, promtool, release, overlay) -> None:
    manifest = render_release(release, overlay)
    assert_parse(promtool, manifest_expressions(manifest.objects))


@pytest.mark.parametrize("case", list(EXTRA_RENDERS))
def test_expressions_of_optional_alerts_parse(render_chart, promtool, case) -> None:
    chart, values, set_values = EXTRA_RENDERS[case]
    manifest = render_chart(chart, values, "values/env/prod.yaml", set_values=set_values)
    expressions = manifest_expressions(manifest.objects)
    assert expressions
    assert_parse(promtool, expressions)


def test_api_release_ships_rules_analysis_and_dashboard_queries(render_release) -> None:
    sources = [e.source for e in manifest_expressions(render_release("seedtest-api", "prod"))]
    assert any(s.startswith("PrometheusRule/") for s in sources)
    assert sum(s.startswith("AnalysisTemplate/") for s in sources) == 2
    assert sum(s.startswith("ConfigMap/") for s in sources) >= 7


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda o: o or "bare")
@pytest.mark.parametrize("release", RELEASES)
def test_rendered_prometheus_rules_pass_promtool_check(
    render_release, promtool, tmp_path, release, overlay
) -> None:
    manifest = render_release(release, overlay)
    if not prometheus_rules(manifest.objects):
        return  # which releases render rules is each chart's test (test_*_alert_rules.py)
    result = promtool.check_rules(write_yaml(tmp_path / "rules.yaml", rule_file(manifest.objects)))
    assert result.ok, f"{release} {overlay}:\n{result}"


# -- the helpers ------------------------------------------------------------------------------


def test_grafana_variables_are_filled_in() -> None:
    expr = 'rate(x{s="$service",v=~"${version:regex}",w="[[w]]"}[$__rate_interval]) offset $__range'
    assert grafana_to_promql(expr, {"service": "svc", "version": ".*", "w": "1"}) == (
        'rate(x{s="svc",v=~".*",w="1"}[2m]) offset 1h'
    )
    with pytest.raises(ValueError, match=r"\$nope"):
        grafana_to_promql('x{a="$nope"}', {})


def test_dashboard_expressions_cover_panels_rows_and_variables() -> None:
    dashboard = {
        "panels": [
            {"title": "a", "targets": [{"refId": "A", "expr": 'up{job="$job"}'}]},
            {"title": "row", "panels": [{"title": "b", "targets": [{"expr": "sum(up)"}]}]},
        ],
        "templating": {
            "list": [
                {"name": "job", "type": "query", "query": 'label_values(up{x="1"}, job)'},
                {"name": "n", "type": "query", "query": {"query": "label_values(job)"}},
                {"name": "ds", "type": "datasource", "query": "prometheus"},
            ]
        },
    }
    found = dashboard_expressions(dashboard, "d")
    assert [e.promql for e in found] == ['up{job=".*"}', "sum(up)", 'up{x="1"}']
    assert found[1].source == "d panel 'b' target ?"


def test_analysis_args_are_substituted_like_argo() -> None:
    template = {
        "kind": "AnalysisTemplate",
        "metadata": {"name": "t"},
        "spec": {
            "args": [{"name": "service"}, {"name": "version", "value": "canary"}],
            "metrics": [
                {
                    "name": "m",
                    "provider": {
                        "prometheus": {"query": 'x{s="{{args.service}}",v="{{ args.version }}"}'}
                    },
                }
            ],
        },
    }
    assert analysis_queries(template, {"service": "a", "version": "b"}) == {"m": 'x{s="a",v="b"}'}
    assert analysis_queries(template) == {"m": 'x{s="service",v="canary"}'}
    with pytest.raises(ValueError, match=r"args\.other"):
        substitute_args("{{args.other}}", {})


def test_placeholders_cases_and_annotations() -> None:
    document = {
        "tests": [
            {"alert_rule_test": [{"eval_time": "${late}"}, {"eval_time": "${never}"}]},
            {"alert_rule_test": [{"eval_time": "${never}"}], "input_series": [{"values": "${x}"}]},
        ]
    }
    drop_inapplicable_cases(document, {"late": "5m", "never": None})
    assert document == {"tests": [{"alert_rule_test": [{"eval_time": "${late}"}]}]}
    assert fill_placeholders({"a": ["${b}-${c.d}"]}, {"b": 1, "c.d": "x"}) == {"a": ["1-x"]}
    with pytest.raises(KeyError, match="missing"):
        fill_placeholders("${missing}", {})
    assert expand_annotation(
        "pod {{ $labels.pod }} of {{$labels.ns}}", {"pod": "p", "ns": "n"}
    ) == ("pod p of n")
    with pytest.raises(ValueError):
        expand_annotation("{{ $value }}", {})


def test_durations_and_numbers() -> None:
    assert format_duration(420) == "7m" and format_duration(90) == "90s"
    assert format_duration(-5) == "0m"
    counts = error_counts(0.05, "5m")
    assert counts["errors_at"] == 300 and counts["errors_above"] == 450
    assert counts["errors_below"] == 150 and counts["ok_at"] == 5700
    with pytest.raises(ValueError):
        error_counts(1.0, "5m")


def test_promtool_test_files_are_valid_yaml() -> None:
    files = sorted((ROOT / "tests" / "promtool").rglob("*.test.yaml"))
    assert len(files) >= 9
    for path in files:
        document = yaml.safe_load(path.read_text())
        assert document["tests"], path
