"""Prometheus' own promtool, from Python: check rule files, run rule unit tests, parse PromQL.

Also what feeds it from rendered manifests: the rule groups of PrometheusRules, the queries
of Argo Rollouts AnalysisTemplates (with `{{args.x}}` filled in), the queries of Grafana
dashboards (with Grafana's variables filled in), and promtool unit-test files kept as
templates (`${name}` placeholders filled per release).

promtool comes from Debian's `prometheus` package (scripts/install-tools installs it).
"""

from __future__ import annotations

import copy
import json
import math
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chartkit.releases.manifest import Object, describe, name_of
from chartkit.tools.toolbox import ToolMissingError

# -- running promtool --------------------------------------------------------------------


class PromtoolError(Exception):
    """promtool could not be run, or failed in a way that names nothing to report."""


@dataclass(frozen=True)
class PromtoolResult:
    command: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def output(self) -> str:
        return (self.stdout + self.stderr).strip()

    def __str__(self) -> str:
        return f"$ {' '.join(self.command)}  (exit {self.returncode})\n{self.output}"


@dataclass(frozen=True)
class Expression:
    """One PromQL expression and where it comes from."""

    source: str
    promql: str


@dataclass(frozen=True)
class ParseProblem:
    expression: Expression
    message: str

    def __str__(self) -> str:
        return f"{self.expression.source}: {self.message}\n    {self.expression.promql}"


class Promtool:
    """One promtool binary (default: the one on PATH)."""

    def __init__(self, binary: str | Path | None = None, timeout_seconds: float = 60.0) -> None:
        found = str(binary) if binary else shutil.which("promtool")
        if not found or not Path(found).exists():
            raise ToolMissingError(
                "promtool is not installed: run `make setup` (scripts/install-tools installs "
                "Debian's `prometheus` package), or install promtool on PATH"
            )
        self.binary = Path(found)
        self.timeout_seconds = timeout_seconds

    def run(self, *args: str, cwd: Path | None = None) -> PromtoolResult:
        command = (str(self.binary), *args)
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=self.timeout_seconds,
                cwd=cwd,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PromtoolError(f"{' '.join(command)}: {error}") from error
        return PromtoolResult(command, done.returncode, done.stdout, done.stderr)

    def version(self) -> str:
        """The version number, e.g. "2.42.0"."""
        result = self.run("--version")
        match = re.search(r"version (\S+)", result.output)
        if not result.ok or not match:
            raise PromtoolError(f"cannot tell promtool's version:\n{result}")
        return match.group(1).split("+")[0]

    def check_rules(self, *files: Path, lint: str = "duplicate-rules") -> PromtoolResult:
        """`promtool check rules`: every rule parses and is well formed."""
        return self.run("check", "rules", f"--lint={lint}", *(str(f) for f in files))

    def test_rules(self, *files: Path) -> PromtoolResult:
        """`promtool test rules`: unit tests (input series, expected alerts and samples)."""
        paths = [Path(f) for f in files]
        return self.run("test", "rules", *(p.name for p in paths), cwd=paths[0].parent)

    def parse(self, expressions: Sequence[Expression]) -> list[ParseProblem]:
        """Every expression that does not parse, with promtool's message.

        The expressions are written as recording rules of one rule file, so a single
        `promtool check rules` run parses them all.
        """
        if not expressions:
            return []
        names = {f"expr_{i:05d}": e for i, e in enumerate(expressions)}
        rules = [{"record": name, "expr": e.promql} for name, e in names.items()]
        with tempfile.TemporaryDirectory(prefix="chartkit-promql-") as tmp:
            path = Path(tmp) / "expressions.yaml"
            write_yaml(path, {"groups": [{"name": "expressions", "rules": rules}]})
            result = self.check_rules(path, lint="none")
        if result.ok:
            return []
        problems = []
        for line in result.stderr.splitlines():
            match = re.search(r'"(expr_\d{5})": (.*)$', line)
            if match:
                problems.append(ParseProblem(names[match.group(1)], match.group(2).strip()))
        if not problems:
            raise PromtoolError(f"promtool failed without naming an expression:\n{result}")
        return problems


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000))
    return path


# -- what rendered manifests hold ------------------------------------------------------------


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


# -- Argo Rollouts analysis ------------------------------------------------------------------

_ARG = re.compile(r"\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}")


def analysis_template_args(template: Object) -> dict[str, str | None]:
    """The template's arguments and their default values (None: no default)."""
    args: dict[str, str | None] = {}
    for arg in (template.get("spec") or {}).get("args") or []:
        args[arg["name"]] = arg.get("value")
    return args


def analysis_step_args(rollout: Object, template_name: str) -> list[dict[str, str]]:
    """The arguments each canary analysis step running `template_name` passes, one dict per
    step (steps pass their own `args` list of {name, value})."""
    found = []
    canary = ((rollout.get("spec") or {}).get("strategy") or {}).get("canary") or {}
    for step in canary.get("steps") or []:
        analysis = step.get("analysis")
        if not analysis:
            continue
        names = [t.get("templateName") for t in analysis.get("templates") or []]
        if template_name not in names:
            continue
        args = {}
        for arg in analysis.get("args") or []:
            if "value" not in arg:
                raise ValueError(
                    f"{describe(rollout)}: analysis argument {arg.get('name')} has no plain "
                    "value (valueFrom is not supported here)"
                )
            args[arg["name"]] = str(arg["value"])
        found.append(args)
    return found


def resolve_args(template: Object, passed: Mapping[str, str]) -> dict[str, str]:
    """The values an AnalysisRun gets: what the step passes over the template's defaults."""
    resolved: dict[str, str] = {}
    for name, default in analysis_template_args(template).items():
        value = passed.get(name, default)
        if value is None:
            raise ValueError(f"{describe(template)}: argument {name} has no value")
        resolved[name] = value
    unknown = set(passed) - set(resolved)
    if unknown:
        raise ValueError(f"{describe(template)}: arguments not declared: {sorted(unknown)}")
    return resolved


def substitute_args(text: str, args: Mapping[str, str]) -> str:
    """Replace every `{{args.name}}` the way Argo Rollouts does; a missing one is an error."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in args:
            raise ValueError(f"{{{{args.{name}}}}} has no value (known: {sorted(args)})")
        return args[name]

    result = _ARG.sub(replace, text)
    if "{{" in result:
        raise ValueError(f"unresolved template syntax left in: {result}")
    return result


def analysis_queries(template: Object, args: Mapping[str, str] | None = None) -> dict[str, str]:
    """Prometheus queries of an AnalysisTemplate by metric name, arguments substituted.
    Without `args`, each argument takes its default or, lacking one, its own name."""
    if args is None:
        args = {n: v if v is not None else n for n, v in analysis_template_args(template).items()}
    queries = {}
    for metric in (template.get("spec") or {}).get("metrics") or []:
        prometheus = (metric.get("provider") or {}).get("prometheus")
        if prometheus and "query" in prometheus:
            queries[metric["name"]] = substitute_args(str(prometheus["query"]), args)
    return queries


def analysis_expressions(objects: Iterable[Object]) -> list[Expression]:
    found = []
    for obj in objects:
        if obj.get("kind") in ("AnalysisTemplate", "ClusterAnalysisTemplate"):
            for metric, query in analysis_queries(obj).items():
                found.append(Expression(f"{describe(obj)} metric {metric}", query))
    return found


# -- Grafana dashboards ---------------------------------------------------------------------

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


def manifest_expressions(objects: Sequence[Object]) -> list[Expression]:
    """Every PromQL expression of a release: rules, analysis queries, dashboards."""
    found = rule_expressions(objects) + analysis_expressions(objects)
    for source, dashboard in configmap_dashboards(objects):
        found += dashboard_expressions(dashboard, source)
    return found


# -- promtool unit-test files kept as templates ------------------------------------------------

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_.:-]+)\}")


def fill_placeholders(node: Any, values: Mapping[str, Any]) -> Any:
    """A copy of a parsed YAML document with every `${name}` in its strings replaced; an
    unknown placeholder is an error."""
    if isinstance(node, dict):
        return {k: fill_placeholders(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [fill_placeholders(v, values) for v in node]
    if isinstance(node, str):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise KeyError(f"placeholder ${{{name}}} has no value (known: {sorted(values)})")
            return str(values[name])

        return _PLACEHOLDER.sub(replace, node)
    return node


def placeholders_in(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set().union(*(placeholders_in(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(placeholders_in(v) for v in node)) if node else set()
    if isinstance(node, str):
        return set(_PLACEHOLDER.findall(node))
    return set()


_LABEL_REFERENCE = re.compile(r"\{\{\s*\$labels\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def expand_annotation(text: str, labels: Mapping[str, str]) -> str:
    """An annotation as Prometheus expands it, for the `{{ $labels.name }}` references the
    charts use; any other template syntax is refused (the expectation would be a guess)."""
    expanded = _LABEL_REFERENCE.sub(lambda m: str(labels.get(m.group(1), "")), text)
    if "{{" in expanded:
        raise ValueError(f"annotation uses template syntax other than $labels: {text}")
    return expanded


def complete_expected_annotations(test_file: dict[str, Any], alerts: Mapping[str, Any]) -> None:
    """Fill in exp_annotations an alert_rule_test leaves out, from the rendered rule."""
    for group in test_file.get("tests") or []:
        for case in group.get("alert_rule_test") or []:
            rule = alerts.get(case["alertname"])
            for expected in case.get("exp_alerts") or []:
                if "exp_annotations" in expected or rule is None:
                    continue
                labels = {"alertname": case["alertname"], **(expected.get("exp_labels") or {})}
                expected["exp_annotations"] = {
                    key: expand_annotation(str(value), labels)
                    for key, value in (rule.get("annotations") or {}).items()
                }


def run_rule_tests(
    promtool: Promtool,
    rules: Mapping[str, Any],
    test_template: Path,
    placeholders: Mapping[str, Any],
    workdir: Path,
    strip_keys: Sequence[str] = (),
) -> PromtoolResult:
    """Run a promtool unit-test template against a rule file.

    The template's `${name}` placeholders are filled in (a case whose eval_time is a
    placeholder set to None does not apply and is left out), keys in `strip_keys` (notes a
    test reads itself) are removed from each test group, exp_annotations left out are filled
    from the rendered rules, and `rule_files` points at the rule file written next to it.
    """
    document = yaml.safe_load(test_template.read_text())
    drop_inapplicable_cases(document, placeholders)
    document = fill_placeholders(document, placeholders)
    for group in document.get("tests") or []:
        for key in strip_keys:
            group.pop(key, None)
    complete_expected_annotations(document, alert_rules_of(rules))
    workdir.mkdir(parents=True, exist_ok=True)
    write_yaml(workdir / "rules.yaml", dict(rules))
    document["rule_files"] = ["rules.yaml"]
    test_path = write_yaml(workdir / test_template.name, document)
    return promtool.test_rules(test_path)


def drop_inapplicable_cases(document: dict[str, Any], placeholders: Mapping[str, Any]) -> None:
    """Leave out cases whose eval_time is a placeholder set to None, and test groups left
    without cases."""

    def applies(case: Mapping[str, Any]) -> bool:
        match = _PLACEHOLDER.fullmatch(str(case.get("eval_time", "")))
        return not (
            match and match.group(1) in placeholders and placeholders[match.group(1)] is None
        )

    groups = []
    for group in document.get("tests") or []:
        cases = 0
        for key in ("alert_rule_test", "promql_expr_test"):
            if key in group:
                group[key] = [case for case in group[key] if applies(case)]
                cases += len(group[key])
        if cases:
            groups.append(group)
    document["tests"] = groups


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


# -- durations ---------------------------------------------------------------------------------

_DURATION_UNITS = {
    "ms": 0.001,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
    "y": 365 * 86400,
}
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")


def parse_duration(text: str) -> float:
    """Seconds in a Prometheus duration ("90s", "1h30m", "0")."""
    text = str(text).strip()
    if text == "0":
        return 0.0
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a Prometheus duration: {text!r}")
    return float(sum(int(n) * _DURATION_UNITS[u] for n, u in parts))


def format_duration(seconds: float) -> str:
    """A duration promtool accepts ("6m", "90s"), never negative."""
    seconds = max(0.0, seconds)
    if seconds % 60 == 0:
        return f"{int(seconds // 60)}m"
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{math.ceil(seconds * 1000)}ms"


# -- numbers for promtool tests of threshold alerts -------------------------------------------
#
# Input series step every minute and rules are evaluated every minute. Counters grow by a
# whole number each minute, so every rate() over a whole number of minutes is an exact
# quotient, and thresholds can be met exactly.


def alert_timing(hold: str, condition_from: float = 60.0, step: float = 60.0) -> dict[str, Any]:
    """When an alert is still pending and when it fires, for a condition that holds from
    `condition_from` seconds on (60: a rate() needs two samples; 0: a gauge) and `for: hold`:

    pending_at    the last evaluation before `for` has elapsed
    firing_at     an evaluation after it
    brief_repeats a condition true for brief_repeats + 1 evaluations in a row (series
                  notation `vxN` is N + 1 samples) stays under `for`
    brief_at      when to check that such a brief condition fired nothing

    pending_at, brief_repeats and brief_at are None when `for` is shorter than one
    evaluation (nothing to wait for): cases using them do not apply.
    """
    seconds = parse_duration(hold)
    evaluations = math.ceil(seconds / step)
    applies = seconds >= step
    return {
        "pending_at": format_duration(condition_from + seconds - step) if applies else None,
        "firing_at": format_duration(condition_from + evaluations * step + step),
        "brief_repeats": evaluations - 1 if applies else None,
        "brief_at": "3h" if applies else None,
    }


def alert_placeholders(
    rule_values: Mapping[str, Any], alerts: Mapping[str, tuple[str, float]]
) -> dict[str, Any]:
    """ "<alert>.<timing key>" and "<alert>.severity" for promtool test files.

    rule_values is the chart's merged `prometheusRule` values; alerts maps each alert to its
    section there and to when its condition starts holding (see alert_timing).
    """
    found: dict[str, Any] = {}
    for alert, (section, condition_from) in alerts.items():
        timing = alert_timing(rule_values[section]["for"], condition_from=condition_from)
        for key, value in timing.items():
            found[f"{alert}.{key}"] = value
        found[f"{alert}.severity"] = rule_values[section]["severity"]
    return found


def hpa_placeholders(hpa: Object) -> dict[str, Any]:
    """The HPA's name, its maximum and one below it, for "HPA at maximum" alert tests."""
    maximum = int(hpa["spec"]["maxReplicas"])
    return {"hpa": hpa["metadata"]["name"], "hpa_max": maximum, "hpa_below_max": maximum - 1}


REQUESTS_PER_MINUTE = 6000


def _error_ratio(errors: int, window_minutes: int) -> float:
    """The 5xx share Prometheus computes for `errors` 5xx and the rest 2xx of
    REQUESTS_PER_MINUTE, each counter's rate over the window (same float operations)."""
    seconds = window_minutes * 60.0
    failed = (errors * window_minutes) * 1.0 / seconds
    ok = ((REQUESTS_PER_MINUTE - errors) * window_minutes) * 1.0 / seconds
    return failed / (ok + failed)


def error_counts(threshold: float, window: str) -> dict[str, int]:
    """5xx and 2xx requests a minute (of REQUESTS_PER_MINUTE) whose 5xx share is about 1.5
    times `threshold` (errors_above, ok_above), the largest share not above it (errors_at,
    ok_at: exactly the threshold when it can be met), and half of it (errors_below)."""
    minutes = parse_duration(window) / 60
    if minutes != int(minutes):
        raise ValueError(f"window {window}: whole minutes are needed for exact rates")
    minutes = int(minutes)
    above = min(REQUESTS_PER_MINUTE, math.ceil(threshold * REQUESTS_PER_MINUTE * 1.5))
    if not _error_ratio(above, minutes) > threshold:
        raise ValueError(f"threshold {threshold}: no share of requests can exceed it")
    at = math.floor(threshold * REQUESTS_PER_MINUTE) + 1
    while at > 0 and _error_ratio(at, minutes) > threshold:
        at -= 1
    below = math.floor(threshold * REQUESTS_PER_MINUTE / 2)
    return {
        "errors_above": above,
        "ok_above": REQUESTS_PER_MINUTE - above,
        "errors_at": at,
        "ok_at": REQUESTS_PER_MINUTE - at,
        "errors_below": below,
        "ok_below": REQUESTS_PER_MINUTE - below,
    }


def latency_buckets(threshold_seconds: float) -> dict[str, str]:
    """Histogram bucket bounds around a latency threshold T: T/2, T and 1.5 T. With 60
    requests a minute: 57 in the bucket ending at T and the rest above give a p95 of exactly
    T; all in the first bucket, 0.475 T; all between T and 1.5 T, 1.475 T."""
    return {
        "fast_le": repr(threshold_seconds / 2),
        "threshold_le": repr(float(threshold_seconds)),
        "slow_le": repr(threshold_seconds * 1.5),
    }


# -- values ----------------------------------------------------------------------------------


def merge_values(*documents: Mapping[str, Any] | None) -> dict[str, Any]:
    """Values documents merged the way Helm coalesces them: later files win, maps merge key
    by key, lists and scalars are replaced, and null removes a key."""
    merged: dict[str, Any] = {}
    for document in documents:
        merged = _merge(merged, dict(document or {}))
    return merged


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in override.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = _merge(dict(result[key]), value)
        else:
            result[key] = value
    return result


def nest(set_values: Mapping[str, Any]) -> dict[str, Any]:
    """{"a.b": 1} (helm --set style keys) as {"a": {"b": 1}}."""
    nested: dict[str, Any] = {}
    for dotted, value in set_values.items():
        node = nested
        *parents, last = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return nested


def load_values(
    root: Path, chart: str, *values_files: str, set_values: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The values a chart renders with: its values.yaml, each file in order, then
    set_values (helm --set style dotted keys)."""
    documents = [yaml.safe_load((root / "charts" / chart / "values.yaml").read_text())]
    documents += [yaml.safe_load((root / f).read_text()) for f in values_files]
    return merge_values(*documents, nest(set_values or {}))


def dig(values: Mapping[str, Any], dotted: str) -> Any:
    """values["a"]["b"] for "a.b"; KeyError naming the path when absent."""
    node: Any = values
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise KeyError(f"values have no {dotted}")
        node = node[part]
    return node
