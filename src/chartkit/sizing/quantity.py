"""Kubernetes resource quantities: parse to numbers, format for people.

The grammar is the API server's (k8s.io/apimachinery resource.Quantity):

    <quantity> ::= <signed number> [ <binary SI> | <decimal SI> | <decimal exponent> ]
    <binary SI> ::= Ki | Mi | Gi | Ti | Pi | Ei
    <decimal SI> ::= n | u | m | k | M | G | T | P | E
    <decimal exponent> ::= ( e | E ) <signed integer>
    <number> ::= digits | digits. | digits.digits | .digits

Anything else is refused as the API server refuses it ("2GB", "8gb", "1.2.3", "1K", " 1",
"1e3m"). The Kubernetes Python client's parse_quantity gives the same number for every
quantity this grammar accepts (tests/sizing/test_quantity.py compares the two); it is not
used here because importing it loads the whole client, which costs chartkit's start-up more
than a render.
"""

from __future__ import annotations

import re
from decimal import Decimal

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}
_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:(?P<binary>[KMGTPE]i)|[eE](?P<exponent>[+-]?[0-9]+)|(?P<decimal>[numkMGTPE]))?"
)


class QuantityError(ValueError):
    pass


def parse(quantity: str | int | float) -> Decimal:
    """A quantity as a Decimal in base units (cores, bytes, devices)."""
    text = str(quantity)
    match = _QUANTITY.fullmatch(text)
    if not match:
        raise QuantityError(
            f"not a Kubernetes quantity: {quantity!r} (a number with one of the suffixes "
            f"{', '.join(_BINARY)}, {', '.join(_DECIMAL)} or an exponent such as e3)"
        )
    number = Decimal(match["number"])
    if match["binary"]:
        return number * _BINARY[match["binary"]]
    if match["decimal"]:
        return number * _DECIMAL[match["decimal"]]
    if match["exponent"]:
        return Decimal(f"{match['number']}e{match['exponent']}")
    return number


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
