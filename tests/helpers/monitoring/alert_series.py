"""Numbers for promtool tests of threshold alerts: when an alert is pending and when it
fires, request counts around an error-ratio threshold, and histogram buckets around a
latency threshold.

Input series step every minute and rules are evaluated every minute. Counters grow by a
whole number each minute, so every rate() over a whole number of minutes is an exact
quotient, and thresholds can be met exactly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from chartkit.releases.manifest import Object
from chartkit.tools.durations import parse_duration


def format_duration(seconds: float) -> str:
    """A duration promtool accepts ("6m", "90s"), never negative."""
    seconds = max(0.0, seconds)
    if seconds % 60 == 0:
        return f"{int(seconds // 60)}m"
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{math.ceil(seconds * 1000)}ms"


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


# What a scrape refused for a label limit has read when Prometheus stops at the offending
# series (scrape_samples_scraped of that scrape).
SAMPLES_BEFORE_LABEL_REFUSAL = 12


def scrape_limit_counts(sample_limit: int) -> dict[str, int]:
    """Samples of one scrape around a monitor's sampleLimit S: `samples_at_limit` (S, still
    accepted), `samples_above` (S + 1, the whole scrape refused) and `samples_label_refused`
    (a scrape refused for a label limit)."""
    return {
        "sample_limit": sample_limit,
        "samples_at_limit": sample_limit,
        "samples_above": sample_limit + 1,
        "samples_label_refused": SAMPLES_BEFORE_LABEL_REFUSAL,
    }
