"""chartkit.tools.durations: helm's Go durations and Prometheus durations, one parser."""

from __future__ import annotations

import pytest

from chartkit.tools.durations import parse_duration


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ("5m", 300),
        ("90s", 90),
        ("1h30m", 5400),
        ("1h0m30s", 3630),
        ("1.5m", 90),
        ("2h", 7200),
        ("250ms", 0.25),
        ("1500us", 0.0015),
        ("2µs", 0.000002),
        ("1d", 86400),
        ("2w", 14 * 86400),
        ("1y", 365 * 86400),
        ("0", 0),
        (" 10m ", 600),
    ],
)
def test_go_and_prometheus_durations(duration: str, expected: float) -> None:
    assert parse_duration(duration) == pytest.approx(expected)


@pytest.mark.parametrize(
    "duration", ["", "5", "5x", "m", "-5m", "five minutes", "5m s", "5 m", "5min", "1.2.3s"]
)
def test_other_text_is_refused_with_the_units(duration: str) -> None:
    with pytest.raises(ValueError, match=r"not a duration: .*units: ns, us, µs, ms, s, m, h"):
        parse_duration(duration)
