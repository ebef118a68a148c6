"""Kubernetes resource quantities: parse to integers, format for people."""

from __future__ import annotations

import re
from decimal import Decimal

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}
_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$")


class QuantityError(ValueError):
    pass


def parse(quantity: str | int | float) -> Decimal:
    """A quantity as a Decimal in base units (cores, bytes, devices)."""
    text = str(quantity).strip()
    match = _QUANTITY.match(text)
    if not match:
        raise QuantityError(f"not a Kubernetes quantity: {quantity!r}")
    number, suffix = Decimal(match.group(1)), match.group(2)
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix in _DECIMAL and not suffix.lower().startswith("e"):
        return number * _DECIMAL[suffix]
    raise QuantityError(f"unknown unit {suffix!r} in quantity {quantity!r}")


def cpu_millis(quantity: str | int | float) -> int:
    return int((parse(quantity) * 1000).to_integral_value(rounding="ROUND_CEILING"))


def memory_bytes(quantity: str | int | float) -> int:
    return int(parse(quantity).to_integral_value(rounding="ROUND_CEILING"))


def format_cpu(millis: int) -> str:
    if millis % 1000 == 0:
        return str(millis // 1000)
    return f"{millis}m"


def format_memory(size: int) -> str:
    for unit in ("Ti", "Gi", "Mi", "Ki"):
        factor = _BINARY[unit]
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    if size >= _BINARY["Gi"]:
        return f"{size / _BINARY['Gi']:.1f}Gi"
    if size >= _BINARY["Mi"]:
        return f"{size / _BINARY['Mi']:.0f}Mi"
    return str(size)
