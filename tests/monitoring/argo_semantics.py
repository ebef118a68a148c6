"""Argo Rollouts' analysis semantics, for the tests of the api chart's canary analysis: the
condition language of successCondition, the phase of one measurement, of a metric after its
measurements, of an AnalysisRun, and what the Rollout does with it; and an AnalysisRun
played out on a clock against a measuring function.

Written after Argo Rollouts v1.9's controller (analysis/analysis.go assessMetricStatus and
assessRunStatus, utils/analysis IsTerminating, rollout/analysis.go setPauseOrAbort,
utils/evaluate): a measurement that errors counts toward no limit but consecutiveErrorLimit
(default 4) and not toward `count`; it is retried after 10s. A metric is Failed when more
than failureLimit measurements failed, Inconclusive past inconclusiveLimit, Error past
consecutiveErrorLimit errors in a row (the later of these wins), and Successful once `count`
measurements were taken, or when the run is terminated first. Once a metric ends Failed,
Error or Inconclusive the run terminates: the other metrics stop and the run takes the worst
phase (Failed over Error over Inconclusive over Successful). The Rollout aborts on a Failed
or Error run and pauses on an Inconclusive one.

Imported by the tests in this directory as `argo_semantics` (pytest puts it on sys.path).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# -- the condition language, for the shapes the charts write -----------------------------------
#
# Argo Rollouts compiles successCondition/failureCondition with expr-lang: `result` is the
# Prometheus vector as a list of floats, functions isNaN, isInf, isNil, len, asInt,
# asFloat. An error while evaluating (result[0] of an empty list) makes the measurement
# Error; a condition that is not a boolean too.


class ConditionError(Exception):
    pass


_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+(?:[eE][-+]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>&&|\|\||==|!=|<=|>=|[-+*/<>!()\[\],]))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ConditionError(f"cannot read {text[position:]!r} in {text!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    """expr-lang precedence: or < and < comparison < additive < multiplicative < unary."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise ConditionError("unexpected end of condition")
        token = self.tokens[self.position]
        if expected is not None and token[1] != expected:
            raise ConditionError(f"expected {expected!r}, found {token[1]!r}")
        self.position += 1
        return token

    def parse(self) -> tuple:
        node = self.binary(0)
        if self.position != len(self.tokens):
            raise ConditionError(f"unexpected {self.peek()!r}")
        return node

    LEVELS = (
        ("||", "or"),
        ("&&", "and"),
        ("==", "!=", "<", "<=", ">", ">="),
        ("+", "-"),
        ("*", "/"),
    )

    def binary(self, level: int) -> tuple:
        if level == len(self.LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while self.peek() in self.LEVELS[level]:
            op = self.take()[1]
            op = {"or": "||", "and": "&&"}.get(op, op)
            node = ("binary", op, node, self.binary(level + 1))
        return node

    def unary(self) -> tuple:
        if self.peek() in ("!", "not", "-"):
            op = self.take()[1]
            return ("unary", "!" if op == "not" else op, self.unary())
        return self.postfix()

    def postfix(self) -> tuple:
        node = self.primary()
        while self.peek() == "[":
            self.take("[")
            node = ("index", node, self.binary(0))
            self.take("]")
        return node

    def primary(self) -> tuple:
        kind, value = self.take()
        if kind == "number":
            return ("literal", float(value) if re.search(r"[.eE]", value) else int(value))
        if value == "(":
            node = self.binary(0)
            self.take(")")
            return node
        if kind == "name":
            if value in ("true", "false"):
                return ("literal", value == "true")
            if self.peek() == "(":
                self.take("(")
                args = []
                while self.peek() != ")":
                    args.append(self.binary(0))
                    if self.peek() == ",":
                        self.take(",")
                self.take(")")
                return ("call", value, args)
            return ("name", value)
        raise ConditionError(f"unexpected {value!r}")


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConditionError(f"{value!r} is not a number")
    return value


def _evaluate(node: tuple, result: Any) -> Any:
    kind = node[0]
    if kind == "literal":
        return node[1]
    if kind == "name":
        if node[1] != "result":
            raise ConditionError(f"unknown name {node[1]}")
        return result
    if kind == "index":
        items, index = _evaluate(node[1], result), _evaluate(node[2], result)
        if not isinstance(items, list):
            raise ConditionError("indexing something that is not a list")
        if not isinstance(index, int) or not -len(items) <= index < len(items):
            raise ConditionError(f"index out of range: {index} (len {len(items)})")
        return items[index]
    if kind == "call":
        name, args = node[1], [_evaluate(a, result) for a in node[2]]
        functions = {
            "len": lambda x: len(x),
            "isNaN": lambda x: math.isnan(_number(x)),
            "isInf": lambda x: math.isinf(_number(x)),
            "isNil": lambda _x: result is None,
            "asFloat": lambda x: float(x),
            "asInt": lambda x: int(x),
        }
        if name not in functions or len(args) != 1:
            raise ConditionError(f"unknown function {name}/{len(args)}")
        try:
            return functions[name](args[0])
        except (TypeError, ValueError) as error:
            raise ConditionError(f"{name}: {error}") from error
    if kind == "unary":
        value = _evaluate(node[2], result)
        if node[1] == "!":
            if not isinstance(value, bool):
                raise ConditionError("! of a value that is not a boolean")
            return not value
        return -_number(value)
    op, left_node, right_node = node[1], node[2], node[3]
    left = _evaluate(left_node, result)
    if op in ("&&", "||"):
        if not isinstance(left, bool):
            raise ConditionError(f"{op} of a value that is not a boolean")
        if (op == "&&" and not left) or (op == "||" and left):
            return left  # short-circuit, as expr-lang does
        right = _evaluate(right_node, result)
        if not isinstance(right, bool):
            raise ConditionError(f"{op} of a value that is not a boolean")
        return right
    right = _evaluate(right_node, result)
    if op in ("==", "!="):
        return (left == right) == (op == "==")
    a, b = _number(left), _number(right)
    return {
        "<": lambda: a < b,
        "<=": lambda: a <= b,
        ">": lambda: a > b,
        ">=": lambda: a >= b,
        "+": lambda: a + b,
        "-": lambda: a - b,
        "*": lambda: a * b,
        "/": lambda: a / b,
    }[op]()


def evaluate_condition(condition: str, result: Any) -> bool:
    value = _evaluate(_Parser(condition).parse(), result)
    if not isinstance(value, bool):
        raise ConditionError(f"expected bool, but got {value!r}")
    return value


def measurement_phase(metric: dict[str, Any], result: Any) -> str:
    """The phase Argo Rollouts gives one measurement (utils/evaluate.EvaluateResult)."""
    success_condition = metric.get("successCondition", "")
    failure_condition = metric.get("failureCondition", "")
    success = failure = False
    try:
        if success_condition:
            success = evaluate_condition(success_condition, result)
        if failure_condition:
            failure = evaluate_condition(failure_condition, result)
    except ConditionError:
        return "Error"
    if not success_condition and not failure_condition:
        return "Successful"
    if success_condition and not failure_condition:
        failure = not success
    elif failure_condition and not success_condition:
        success = not failure
    if failure:
        return "Failed"
    if not success:
        return "Inconclusive"
    return "Successful"


# -- a metric, a run, the Rollout -------------------------------------------------------------

COMPLETED = ("Successful", "Failed", "Error", "Inconclusive")
# Worst last (utils/analysis IsWorse).
ORDER = ("Successful", "Inconclusive", "Error", "Failed")
DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4
# Seconds before a measurement that errored is taken again (analysis.DefaultErrorRetryInterval).
ERROR_RETRY_SECONDS = 10.0


def _limit(metric: Mapping[str, Any], key: str, default: int) -> int:
    value = metric.get(key)
    return default if value is None else int(value)


@dataclass
class MetricResult:
    """A metric's counters in AnalysisRun.status.metricResults."""

    measurements: list[str] = field(default_factory=list)
    count: int = 0  # measurements that did not error
    failed: int = 0
    inconclusive: int = 0
    consecutive_error: int = 0

    def record(self, phase: str) -> None:
        self.measurements.append(phase)
        if phase == "Error":
            self.consecutive_error += 1
            return
        self.count += 1
        self.consecutive_error = 0
        self.failed += phase == "Failed"
        self.inconclusive += phase == "Inconclusive"


def assess_metric(metric: Mapping[str, Any], result: MetricResult, terminating: bool) -> str:
    """A metric's phase after its measurements (assessMetricStatus)."""
    if not result.measurements:
        return "Successful" if terminating else "Pending"
    phase = ""
    if result.failed > _limit(metric, "failureLimit", 0):
        phase = "Failed"
    if result.inconclusive > _limit(metric, "inconclusiveLimit", 0):
        phase = "Inconclusive"
    limit = _limit(metric, "consecutiveErrorLimit", DEFAULT_CONSECUTIVE_ERROR_LIMIT)
    if result.consecutive_error > limit:
        phase = "Error"
    if phase:
        return phase
    count = metric.get("count")
    if count is not None and result.count >= int(count):
        return "Successful"
    return "Successful" if terminating else "Running"


def metric_phase(
    metric: Mapping[str, Any], measurements: list[str], terminating: bool = False
) -> str:
    """The phase of a metric measured `measurements`, in order: the first completed phase
    (no measurement is taken after it), else its phase once they are all in."""
    result = MetricResult()
    for phase in measurements:
        result.record(phase)
        assessed = assess_metric(metric, result, terminating=False)
        if assessed in COMPLETED:
            return assessed
    return assess_metric(metric, result, terminating)


def run_phase(metric_phases: Mapping[str, str], terminating: bool) -> str:
    """An AnalysisRun's phase from its metrics' (assessRunStatus)."""
    completed = [p for p in metric_phases.values() if p in COMPLETED]
    worst = max(completed, key=ORDER.index, default="")
    if terminating:
        return worst or "Successful"
    if len(completed) < len(metric_phases) or not worst:
        return "Running"
    return worst


def rollout_action(phase: str) -> str:
    """What the Rollout does when an analysis step's run ends in `phase` (setPauseOrAbort)."""
    return {"Failed": "abort", "Error": "abort", "Inconclusive": "pause"}.get(phase, "continue")


@dataclass(frozen=True)
class Measurement:
    phase: str
    value: Any = None  # what the provider returned, for messages
    message: str = ""


@dataclass
class AnalysisRun:
    """An AnalysisRun played out: each metric's measurements and phase, the run's phase."""

    results: dict[str, MetricResult]
    metric_phases: dict[str, str]
    phase: str
    seconds: float  # when it ended (or was cut off)
    log: list[tuple[float, str, Measurement]]

    @property
    def action(self) -> str:
        return rollout_action(self.phase)


def _interval_seconds(metric: Mapping[str, Any]) -> float:
    match = re.fullmatch(r"(\d+)(s|m|h)", str(metric.get("interval", "0s")))
    if not match:
        raise ValueError(f"interval {metric.get('interval')!r}: expected <n>s, <n>m or <n>h")
    return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2)]


def play_analysis(
    metrics: list[Mapping[str, Any]],
    measure: Callable[[Mapping[str, Any], float], Measurement],
    terminate_at: float | None = None,
    limit_seconds: float = 24 * 3600,
) -> AnalysisRun:
    """Run an AnalysisTemplate's metrics on a clock: each metric measured first at 0s, then
    `interval` after a measurement that did not error and 10s after one that did, until the
    metric completes, the run terminates (a metric ended Failed, Error or Inconclusive, or
    `terminate_at` passed: a promote --full or abort of the Rollout), or limit_seconds."""
    results = {m["name"]: MetricResult() for m in metrics}
    phases = {m["name"]: "Pending" for m in metrics}
    due = {m["name"]: 0.0 for m in metrics}
    log: list[tuple[float, str, Measurement]] = []
    now = 0.0
    while True:
        terminating = any(p in ("Failed", "Error", "Inconclusive") for p in phases.values())
        terminating = terminating or (terminate_at is not None and now >= terminate_at)
        running = [m for m in metrics if phases[m["name"]] not in COMPLETED]
        if terminating or not running or now > limit_seconds:
            for m in running:
                phases[m["name"]] = assess_metric(m, results[m["name"]], terminating)
            return AnalysisRun(results, phases, run_phase(phases, terminating), now, log)
        now = min(due[m["name"]] for m in running)
        if terminate_at is not None and now >= terminate_at:
            now = terminate_at
            continue
        for metric in [m for m in running if due[m["name"]] == now]:
            name = metric["name"]
            measurement = measure(metric, now)
            log.append((now, name, measurement))
            results[name].record(measurement.phase)
            phases[name] = assess_metric(metric, results[name], terminating=False)
            wait = ERROR_RETRY_SECONDS if measurement.phase == "Error" else None
            due[name] = now + (wait if wait is not None else _interval_seconds(metric))
