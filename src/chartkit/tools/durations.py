"""Durations as helm and Prometheus write them ("5m", "1h30m", "250ms", "2w"): one parser
for helm's --timeout values (Go durations) and the `for:` and windows of alerting rules
(Prometheus durations).

Both are a sequence of <number><unit>: Go's units ns, us (or µs), ms, s, m, h with decimal
numbers, Prometheus' ms, s, m, h, d, w, y with whole ones; "0" alone is zero. The parser
takes the union, so each caller's values are read the way its program reads them.
"""

from __future__ import annotations

import re

UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 7 * 86400.0,
    "y": 365 * 86400.0,
}
_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h|d|w|y)")
_DURATION = re.compile(rf"(?:{_PART.pattern})+")


def parse_duration(text: str) -> float:
    """Seconds in a duration ("90s", "1h30m", "1.5h", "0")."""
    text = str(text).strip()
    if text == "0":
        return 0.0
    if not _DURATION.fullmatch(text):
        raise ValueError(
            f"not a duration: {text!r} (a number and a unit, e.g. 90s, 5m, 1h30m; units: "
            f"{', '.join(UNIT_SECONDS)})"
        )
    return sum(float(number) * UNIT_SECONDS[unit] for number, unit in _PART.findall(text))
