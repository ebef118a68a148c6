"""The api chart's canary analysis when Prometheus errors: an analysis of errored
measurements aborts the rollout, it never promotes the canary.

A measurement errors when its query fails: Prometheus unreachable, or answering an error
(503 unavailable, 422 execution, 400 bad_data), which is neither a success nor a failure.
Each case is simulated end to end at the level this machine can run: the AnalysisTemplate
of every api release (prod overlay) as helm renders it, its queries with the arguments the
Rollout's analysis step passes, sent over HTTP by the client side of Argo Rollouts'
Prometheus provider (fake_prometheus.measure) to a Prometheus API on loopback that answers
what the test scripts (or to a port nothing listens on), and the measurements played out
as an AnalysisRun on a clock under Argo Rollouts' rules (argo_semantics.play_analysis):
errors retried every 10s, more than consecutiveErrorLimit in a row error the metric, which
terminates the run, whose Error phase aborts the Rollout. The healthy values come from the
scenarios promtool proves in tests/promtool/api/canary-analysis.test.yaml.
"""

from __future__ import annotations

import copy
import socket
from typing import Any

import pytest
import yaml
from argo_semantics import ERROR_RETRY_SECONDS, play_analysis
from fake_prometheus import Answer, FakePrometheus, failure, measure, vector

from chartkit.releases.inventory import find_root, load
from chartkit.releases.manifest import Manifest
from helpers.monitoring.analysis import analysis_queries, analysis_step_args, resolve_args

ROOT = find_root()
INVENTORY = load(ROOT)
API_RELEASES = [r.name for r in INVENTORY.releases if r.chart_name == "api"]
SCENARIOS = ROOT / "tests" / "promtool" / "api" / "canary-analysis.test.yaml"
PROD = "values/env/prod.yaml"
ERRORS = {
    "unavailable": failure(503, "unavailable", "Prometheus is starting up or shutting down"),
    "execution": failure(422, "execution", "query timed out in expression evaluation"),
    "bad_data": failure(400, "bad_data", 'invalid parameter "query": 1:1: parse error'),
}


def healthy_results() -> dict[str, list[float]]:
    """Each metric's result for the healthy canary (p95 0.25s, 1% errors), as promtool proves
    the rendered queries give it."""
    scenario = next(
        s
        for s in yaml.safe_load(SCENARIOS.read_text())["tests"]
        if all(o["phase"] == "Successful" for o in s["argo"].values())
    )
    return {name: outcome["result"] for name, outcome in scenario["argo"].items()}


def rendered_metrics(manifest: Manifest) -> list[dict[str, Any]]:
    """The AnalysisTemplate's metrics as the AnalysisRun of the Rollout's analysis step has
    them: each query with the step's arguments substituted."""
    template, rollout = manifest.get("AnalysisTemplate"), manifest.get("Rollout")
    (passed, *_) = analysis_step_args(rollout, template["metadata"]["name"])
    queries = analysis_queries(template, resolve_args(template, passed))
    metrics = copy.deepcopy(template["spec"]["metrics"])
    for metric in metrics:
        metric["provider"]["prometheus"]["query"] = queries[metric["name"]]
    return metrics


def closed_port_address() -> str:
    """An address on loopback where nothing listens: every request is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def scripted(metrics: list[dict[str, Any]], **answers: list[Answer]) -> FakePrometheus:
    """A fake Prometheus answering each metric's rendered query (by metric name)."""
    by_name = {m["name"]: m["provider"]["prometheus"]["query"] for m in metrics}
    return FakePrometheus({by_name[name]: script for name, script in answers.items()})


def answers(**by_metric: list[Answer]) -> dict[str, list[Answer]]:
    """Keyword arguments for metric names with dashes (p95-latency -> p95_latency)."""
    return {name.replace("_", "-"): script for name, script in by_metric.items()}


@pytest.fixture(scope="session")
def prod_metrics(render_release):
    return lambda release: rendered_metrics(render_release(release, "prod"))


# -- the rendered limit --------------------------------------------------------------------


def test_every_metric_sets_the_consecutive_error_limit_from_values(chart_release) -> None:
    render = chart_release(
        "api", "values/univprepai.yaml", release="univprepai-api", namespace="univprepai"
    ).render
    metrics = render(PROD).get("AnalysisTemplate")["spec"]["metrics"]
    assert [m["consecutiveErrorLimit"] for m in metrics] == [2, 2]
    changed = render(PROD, set_values={"analysis.consecutiveErrorLimit": 0})
    assert {
        m["consecutiveErrorLimit"] for m in changed.get("AnalysisTemplate")["spec"]["metrics"]
    } == {0}


def test_a_negative_limit_is_refused(chart_error) -> None:
    error = chart_error(
        "api", "values/univprepai.yaml", set_values={"analysis.consecutiveErrorLimit": -1}
    )
    assert "consecutiveErrorLimit" in error


# -- Prometheus errors abort the canary ----------------------------------------------------


@pytest.mark.parametrize("release", API_RELEASES)
def test_an_unreachable_prometheus_aborts_the_rollout(prod_metrics, release) -> None:
    metrics = prod_metrics(release)
    address = closed_port_address()
    run = play_analysis(metrics, lambda metric, _now: measure(metric, address))
    assert (run.phase, run.action) == ("Error", "abort"), run
    for metric in metrics:
        limit = metric["consecutiveErrorLimit"]
        assert run.results[metric["name"]].measurements == ["Error"] * (limit + 1)
        assert run.metric_phases[metric["name"]] == "Error"
        assert "refused" in run.log[0][2].message.lower()
    # the errors are retried every 10s: the rollout aborts within a minute, not after the
    # count * interval (5 minutes) of a healthy analysis
    assert run.seconds == metrics[0]["consecutiveErrorLimit"] * ERROR_RETRY_SECONDS


@pytest.mark.parametrize("kind", list(ERRORS))
@pytest.mark.parametrize("release", API_RELEASES)
def test_prometheus_answering_errors_aborts_the_rollout(prod_metrics, release, kind) -> None:
    metrics = prod_metrics(release)
    fake = scripted(metrics, **answers(p95_latency=[ERRORS[kind]], error_rate=[ERRORS[kind]]))
    with fake.serving() as address:
        run = play_analysis(metrics, lambda metric, _now: measure(metric, address))
    assert (run.phase, run.action) == ("Error", "abort"), run
    # what reached Prometheus are the rendered queries, nothing else
    assert set(fake.queries) == {m["provider"]["prometheus"]["query"] for m in metrics}
    assert ERRORS[kind].body["error"] in run.log[0][2].message


def test_one_metric_erroring_aborts_while_the_other_passes(prod_metrics) -> None:
    metrics = prod_metrics("univprepai-api")
    good = healthy_results()
    fake = scripted(
        metrics,
        **answers(p95_latency=[ERRORS["execution"]], error_rate=[vector(*good["error-rate"])]),
    )
    with fake.serving() as address:
        run = play_analysis(metrics, lambda metric, _now: measure(metric, address))
    assert run.metric_phases == {"p95-latency": "Error", "error-rate": "Successful"}
    assert (run.phase, run.action) == ("Error", "abort")


def test_errors_between_empty_results_still_fail(prod_metrics) -> None:
    """No canary series (an empty vector) fails a measurement; errors in between neither
    count as failures nor clear them."""
    metrics = prod_metrics("univprepai-api")
    empty, error = vector(), ERRORS["unavailable"]
    script = [error, empty, error, empty, error]
    fake = scripted(metrics, **answers(p95_latency=script, error_rate=script))
    with fake.serving() as address:
        run = play_analysis(metrics, lambda metric, _now: measure(metric, address))
    assert run.results["p95-latency"].measurements == ["Error", "Failed", "Error", "Failed"]
    assert (run.phase, run.action) == ("Failed", "abort")


@pytest.mark.parametrize("release", API_RELEASES)
def test_errors_within_the_limit_are_retried_and_a_healthy_canary_passes(
    prod_metrics, release
) -> None:
    metrics = prod_metrics(release)
    good = healthy_results()
    limit = metrics[0]["consecutiveErrorLimit"]
    fake = scripted(
        metrics,
        **answers(
            p95_latency=[ERRORS["unavailable"]] * limit + [vector(*good["p95-latency"])],
            error_rate=[vector(*good["error-rate"])],
        ),
    )
    with fake.serving() as address:
        run = play_analysis(metrics, lambda metric, _now: measure(metric, address))
    count = metrics[0]["count"]
    assert run.results["p95-latency"].measurements == ["Error"] * limit + ["Successful"] * count
    assert (run.phase, run.action) == ("Successful", "continue")


def test_a_run_cut_short_has_already_judged_the_errors(prod_metrics) -> None:
    """A run terminated before `count` (the Rollout promoted or aborted meanwhile) counts a
    metric that has not exceeded its limits as Successful (argoproj/argo-rollouts#4479). With
    the chart's limit the third error in a row has already ended the metric Error; with
    Argo Rollouts' default of 4 the same measurements would end the run Successful."""
    metrics = prod_metrics("univprepai-api")
    good = healthy_results()
    script = answers(p95_latency=[ERRORS["unavailable"]], error_rate=[vector(*good["error-rate"])])
    cut = 25.0  # after three errors (0s, 10s, 20s)
    with scripted(metrics, **script).serving() as address:
        run = play_analysis(metrics, lambda m, _now: measure(m, address), terminate_at=cut)
    assert run.results["p95-latency"].measurements == ["Error"] * 3
    assert (run.phase, run.action) == ("Error", "abort")
    default_limit = copy.deepcopy(metrics)
    for metric in default_limit:
        del metric["consecutiveErrorLimit"]
    with scripted(default_limit, **script).serving() as address:
        run = play_analysis(default_limit, lambda m, _now: measure(m, address), terminate_at=cut)
    assert run.results["p95-latency"].measurements == ["Error"] * 3
    assert run.phase == "Successful"
