"""The canary analysis of charts/api, proven on synthetic series.

For every api release of the inventory, bare and with each overlay, the AnalysisTemplate's
Prometheus queries are taken exactly as helm renders them, with the `{{args.x}}` the
Rollout's analysis steps pass, and evaluated by promtool on the series of
tests/promtool/api/canary-analysis.test.yaml: canary p95 0.25s with 1% errors, 0.40s, 5%
errors, heavy stable traffic next to the canary, no canary series, an idle canary. Then each
metric's rendered successCondition is evaluated on those results the way Argo Rollouts
evaluates it (argo_semantics.py in this directory), measurement by
measurement and for a whole AnalysisRun: silence (empty result, NaN) is never a success.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from argo_semantics import (
    ConditionError,
    evaluate_condition,
    measurement_phase,
    metric_phase,
    rollout_action,
    run_phase,
)

from chartkit.releases.inventory import find_root, load
from chartkit.releases.manifest import Manifest, pod_template_metadata
from helpers.monitoring.analysis import analysis_queries, analysis_step_args, resolve_args
from helpers.monitoring.rule_tests import run_rule_tests
from helpers.promtool import Promtool

ROOT = find_root()
INVENTORY = load(ROOT)
API_RELEASES = [r.name for r in INVENTORY.releases if r.chart_name == "api"]
OVERLAYS = [None, *(o.name for o in INVENTORY.overlays)]
SCENARIOS = ROOT / "tests" / "promtool" / "api" / "canary-analysis.test.yaml"
# The values each metric's threshold comes from.
THRESHOLDS = {
    "p95-latency": "analysis.successP95Seconds",
    "error-rate": "analysis.successErrorRate",
}
DEFAULT_THRESHOLDS = {"p95-latency": 0.30, "error-rate": 0.02}


def scenarios() -> list[dict[str, Any]]:
    return yaml.safe_load(SCENARIOS.read_text())["tests"]


# -- the evaluator itself -----------------------------------------------------------------


CONDITION = "len(result) > 0 && !isNaN(result[0]) && result[0] < 0.3"


@pytest.mark.parametrize(
    ("result", "expected"),
    [([0.25], True), ([0.3], False), ([0.4], False), ([], False), ([math.nan], False)],
)
def test_evaluator_reads_the_guarded_condition(result, expected) -> None:
    assert evaluate_condition(CONDITION, result) is expected


def test_evaluator_fails_like_argo_on_an_unguarded_index() -> None:
    # Argo Rollouts' documented example: result[0] of an empty vector is an evaluation error.
    metric = {"successCondition": "result[0] >= 0.95"}
    assert measurement_phase(metric, []) == "Error"
    assert measurement_phase(metric, [0.99]) == "Successful"
    assert measurement_phase(metric, [0.5]) == "Failed"
    # the "empty means fine" idiom turns silence into success: the charts must not use it
    assert measurement_phase({"successCondition": "len(result) == 0 || result[0] >= 0.95"}, [])
    assert measurement_phase({"successCondition": "len(result) == 0 || result[0] >= 0.95"}, []) == (
        "Successful"
    )


def test_evaluator_precedence_and_phases() -> None:
    assert evaluate_condition("!isNaN(result[0]) && result[0] * 2 <= 1 || false", [0.5])
    assert not evaluate_condition("not (result[0] > 0.1 and result[0] < 1)", [0.5])
    assert evaluate_condition("isInf(result[0]) || -result[0] < 0", [2])
    with pytest.raises(ConditionError):
        evaluate_condition("result[0]", [1.0])  # not a boolean
    both = {"successCondition": "result[0] < 1", "failureCondition": "result[0] > 2"}
    assert measurement_phase(both, [1.5]) == "Inconclusive"
    assert measurement_phase(both, [3]) == "Failed"
    assert measurement_phase(both, [0.5]) == "Successful"


def test_metric_phase_follows_failure_limit_and_count() -> None:
    metric = {"count": 5, "failureLimit": 1}
    assert metric_phase(
        metric, ["Failed", "Successful", "Successful", "Successful", "Successful"]
    ) == ("Successful")
    assert metric_phase(metric, ["Failed", "Successful", "Failed"]) == "Failed"
    # with failureLimit >= count, a metric failing every measurement ends Successful
    assert metric_phase({"count": 2, "failureLimit": 2}, ["Failed", "Failed"]) == "Successful"


def test_metric_phase_follows_argo_on_errors() -> None:
    # an error counts toward consecutiveErrorLimit only, not toward count
    metric = {"count": 2, "failureLimit": 0, "consecutiveErrorLimit": 2}
    assert metric_phase(metric, ["Error", "Error", "Successful", "Successful"]) == "Successful"
    assert metric_phase(metric, ["Error", "Error", "Error"]) == "Error"
    assert metric_phase(metric, ["Error", "Successful", "Error", "Error", "Successful"]) == (
        "Successful"
    )
    # a failure in between resets the errors in a row, and counts as a failure
    assert metric_phase(metric, ["Error", "Error", "Failed"]) == "Failed"
    # Argo Rollouts' default limit is 4: the fifth error in a row errors the metric
    assert metric_phase({"count": 5}, ["Error"] * 4) == "Running"
    assert metric_phase({"count": 5}, ["Error"] * 5) == "Error"
    # a run cut short counts a metric within its limits as Successful (#4479)
    assert metric_phase({"count": 5}, ["Error"] * 3, terminating=True) == "Successful"


def test_run_phase_and_what_the_rollout_does() -> None:
    assert run_phase({"a": "Successful", "b": "Running"}, terminating=False) == "Running"
    assert run_phase({"a": "Successful", "b": "Error"}, terminating=False) == "Error"
    assert run_phase({"a": "Error", "b": "Failed"}, terminating=False) == "Failed"
    assert run_phase({"a": "Inconclusive", "b": "Successful"}, terminating=False) == "Inconclusive"
    assert run_phase({"a": "Running"}, terminating=True) == "Successful"
    assert [rollout_action(p) for p in ("Failed", "Error", "Inconclusive", "Successful")] == [
        "abort",
        "abort",
        "pause",
        "continue",
    ]


# -- the rendered analysis ------------------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    release: str
    overlay: str | None
    manifest: Manifest
    values: dict[str, Any]

    @property
    def template(self) -> dict[str, Any]:
        return self.manifest.get("AnalysisTemplate")

    @property
    def rollout(self) -> dict[str, Any]:
        return self.manifest.get("Rollout")

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        return {m["name"]: m for m in self.template["spec"]["metrics"]}

    def queries(self) -> dict[str, str]:
        """The queries as an AnalysisRun of this Rollout runs them."""
        passed = analysis_step_args(self.rollout, self.template["metadata"]["name"])
        assert passed, "the Rollout has no analysis step running the AnalysisTemplate"
        assert all(p == passed[0] for p in passed), f"analysis steps pass different args: {passed}"
        return analysis_queries(self.template, resolve_args(self.template, passed[0]))

    def placeholders(self) -> dict[str, str]:
        """Series labels, from the objects that decide them (not from the queries)."""
        rollout = self.rollout
        pod_labels = pod_template_metadata(rollout)["labels"]
        canary = rollout["spec"]["strategy"]["canary"]
        name = rollout["metadata"]["name"]
        window = parse_minutes(self.values["analysis"]["rateWindow"])
        found = {
            "namespace": rollout["metadata"]["namespace"],
            "service": pod_labels["service"],
            "canary": canary["canaryMetadata"]["labels"]["version"],
            "stable": canary["stableMetadata"]["labels"]["version"],
            "canary_pod": f"{name}-6f7b9c8d4-k2x9q",
            "stable_pod": f"{name}-5d8c7b6f9-p7m3w",
            "other_service": f"{pod_labels['service']}-other",
            "at": f"{window + 10}m",
        }
        for metric, query in self.queries().items():
            found[f"query:{metric}"] = query
        return found


def parse_minutes(duration: str) -> int:
    match = re.fullmatch(r"(\d+)(s|m|h)", str(duration))
    assert match, f"rateWindow {duration!r}: expected <n>s, <n>m or <n>h"
    seconds = int(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2)]
    return math.ceil(seconds / 60)


@pytest.fixture(scope="session")
def analysis(render_release, computed_values):
    def _analysis(release: str, overlay: str | None) -> Analysis:
        entry = INVENTORY.release(release)
        files = [*entry.values] + ([INVENTORY.overlay(overlay).path] if overlay else [])
        return Analysis(
            release,
            overlay,
            render_release(release, overlay),
            computed_values.of("api", files),
        )

    return _analysis


ids = {"ids": lambda o: o or "bare"}


@pytest.mark.parametrize("overlay", OVERLAYS, **ids)
@pytest.mark.parametrize("release", API_RELEASES)
def test_rendered_queries_give_the_scenario_numbers(
    analysis, promtool: Promtool, tmp_path: Path, release: str, overlay: str | None
) -> None:
    found = analysis(release, overlay)
    assert set(found.metrics) == set(THRESHOLDS), "a new analysis metric needs its scenarios"
    result = run_rule_tests(
        promtool,
        {"groups": []},
        SCENARIOS,
        found.placeholders(),
        tmp_path,
        strip_keys=("argo",),
    )
    assert result.ok, f"{release} {overlay or 'bare'}:\n{result}"


def expected_phase(result: list[float], threshold: float) -> str:
    """What the analysis must decide, from the values' threshold: success only on a real
    number below it."""
    if len(result) == 0 or math.isnan(result[0]):
        return "Failed"
    return "Successful" if result[0] < threshold else "Failed"


@pytest.mark.parametrize("overlay", OVERLAYS, **ids)
@pytest.mark.parametrize("release", API_RELEASES)
def test_rendered_conditions_decide_each_scenario(analysis, release: str, overlay: str | None):
    found = analysis(release, overlay)
    for scenario in scenarios():
        for name, metric in found.metrics.items():
            outcome = scenario["argo"][name]
            threshold = float(found.values["analysis"][THRESHOLDS[name].split(".")[1]])
            phase = measurement_phase(metric, outcome["result"])
            assert phase == expected_phase(outcome["result"], threshold), (
                f"{release} {overlay or 'bare'}: {scenario['name']}: {name} "
                f"{metric['successCondition']!r} on {outcome['result']} gave {phase}"
            )


@pytest.mark.parametrize("release", API_RELEASES)
def test_silence_never_promotes_a_canary(analysis, release: str) -> None:
    """No canary series, or an idle canary, measured `count` times: the measurement is
    never a success, and the whole AnalysisRun fails (the Rollout aborts to stable)."""
    found = analysis(release, "prod")
    silent = [
        s
        for s in scenarios()
        if all(not o["result"] or math.isnan(o["result"][0]) for o in s["argo"].values())
    ]
    assert len(silent) == 2
    for scenario in silent:
        for name, metric in found.metrics.items():
            phase = measurement_phase(metric, scenario["argo"][name]["result"])
            assert phase in ("Failed", "Inconclusive"), f"{scenario['name']}: {name} {phase}"
            run = metric_phase(metric, [phase] * int(metric["count"]))
            assert run in ("Failed", "Inconclusive"), f"{scenario['name']}: {name}: run {run}"


def test_scenarios_declare_the_phases_of_the_default_thresholds(repo_root: Path) -> None:
    chart_values = yaml.safe_load((repo_root / "charts" / "api" / "values.yaml").read_text())
    for name, path in THRESHOLDS.items():
        section, key = path.split(".")
        assert chart_values[section][key] == DEFAULT_THRESHOLDS[name]
    for scenario in scenarios():
        for name, outcome in scenario["argo"].items():
            assert outcome["phase"] == expected_phase(outcome["result"], DEFAULT_THRESHOLDS[name])


def test_scenario_results_match_what_promtool_checks() -> None:
    """Each `argo` result is what the group's promtool expressions prove: the samples of
    the plain query, or, for NaN, one sample that is not equal to itself."""
    for scenario in scenarios():
        tests = {t["expr"]: t["exp_samples"] for t in scenario["promql_expr_test"]}
        for name, outcome in scenario["argo"].items():
            query = f"${{query:{name}}}"
            if outcome["result"] and math.isnan(outcome["result"][0]):
                assert tests[f"count({query})"] == [{"value": 1}]
                assert tests[f"({query}) == ({query})"] == []
            else:
                assert [s["value"] for s in tests[query]] == outcome["result"], scenario["name"]


def test_failure_limit_at_or_above_count_is_refused(chart_error) -> None:
    error = chart_error(
        "api",
        "values/univprepai.yaml",
        set_values={"analysis.count": 3, "analysis.failureLimit": 3},
    )
    assert "analysis.failureLimit" in error and "analysis.count" in error


def test_a_query_selecting_by_a_mistyped_label_is_caught(analysis, promtool, tmp_path) -> None:
    """The scenarios depend on the rendered selectors: with `servcie` the canary's series are
    not selected and the expected numbers do not come."""
    found = analysis("univprepai-api", None)
    placeholders = found.placeholders()
    for key in [k for k in placeholders if k.startswith("query:")]:
        placeholders[key] = placeholders[key].replace("service=", "servcie=")
    result = run_rule_tests(
        promtool, {"groups": []}, SCENARIOS, placeholders, tmp_path, strip_keys=("argo",)
    )
    assert not result.ok
