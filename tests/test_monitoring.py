"""Every PromQL expression the repository ships parses, and every rendered PrometheusRule
passes `promtool check rules`: the dashboards (source files and the rendered ConfigMaps,
Grafana variables filled in), the PrometheusRules and the AnalysisTemplates of every
release, bare and with each overlay. Also the promtool wrapper (src/chartkit/promtool.py)
itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from chartkit.promtool import (
    Expression,
    Promtool,
    analysis_queries,
    dashboard_expressions,
    drop_inapplicable_cases,
    error_counts,
    expand_annotation,
    fill_placeholders,
    format_duration,
    grafana_to_promql,
    manifest_expressions,
    merge_values,
    parse_duration,
    prometheus_rules,
    rule_file,
    substitute_args,
    write_yaml,
)
from chartkit.releases.inventory import find_root, load
from chartkit.tools.toolbox import ToolMissingError

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


# -- the wrapper --------------------------------------------------------------------------------


def test_promtool_is_installed(promtool: Promtool) -> None:
    major = int(promtool.version().split(".")[0])
    assert major >= 2


def test_missing_promtool_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(ToolMissingError, match="make setup"):
        Promtool(tmp_path / "promtool")


def test_parse_names_each_broken_expression(promtool: Promtool) -> None:
    good = Expression("good", 'sum by (le) (rate(x_bucket{a="b"}[5m]))')
    unclosed = Expression("unclosed", "sum(rate(x[5m])")
    typo = Expression("typo", 'rate(x{a="b"}[5 m])')
    problems = promtool.parse([good, unclosed, typo])
    assert [p.expression.source for p in problems] == ["unclosed", "typo"]
    assert "parse error" in problems[0].message
    assert promtool.parse([good]) == []
    assert promtool.parse([]) == []


def test_check_rules_refuses_a_broken_rule(promtool: Promtool, tmp_path: Path) -> None:
    bad = {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up ==", "for": "5m"}]}]}
    result = promtool.check_rules(write_yaml(tmp_path / "bad.yaml", bad))
    assert not result.ok and "A" in result.output
    good = {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0", "for": "5m"}]}]}
    assert promtool.check_rules(write_yaml(tmp_path / "good.yaml", good)).ok


def test_test_rules_reports_a_failing_expectation(promtool: Promtool, tmp_path: Path) -> None:
    write_yaml(tmp_path / "rules.yaml", {"groups": []})
    test = {
        "rule_files": ["rules.yaml"],
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": "up", "values": "1x5"}],
                "promql_expr_test": [
                    {"expr": "up", "eval_time": "2m", "exp_samples": [{"value": 0}]}
                ],
            }
        ],
    }
    result = promtool.test_rules(write_yaml(tmp_path / "t.yaml", test))
    assert not result.ok and "exp" in result.output


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
    assert parse_duration("1h30m") == 5400 and parse_duration("0") == 0
    assert parse_duration("250ms") == 0.25
    with pytest.raises(ValueError):
        parse_duration("5 m")
    assert format_duration(420) == "7m" and format_duration(90) == "90s"
    assert format_duration(-5) == "0m"
    counts = error_counts(0.05, "5m")
    assert counts["errors_at"] == 300 and counts["errors_above"] == 450
    assert counts["errors_below"] == 150 and counts["ok_at"] == 5700
    with pytest.raises(ValueError):
        error_counts(1.0, "5m")


def test_values_merge_like_helm(tmp_path: Path) -> None:
    merged = merge_values(
        {"a": {"b": 1, "c": [1, 2]}, "d": 1}, {"a": {"c": [3]}, "d": None}, {"e": {"f": 2}}
    )
    assert merged == {"a": {"b": 1, "c": [3]}, "e": {"f": 2}}


def test_promtool_test_files_are_valid_yaml() -> None:
    files = sorted((ROOT / "tests" / "promtool").rglob("*.test.yaml"))
    assert len(files) >= 9
    for path in files:
        document = yaml.safe_load(path.read_text())
        assert document["tests"], path
