"""chartkit.sizing.quantity against the Kubernetes Python client's parse_quantity (a dev
dependency only), over every suffix and exponent form and thousands of generated inputs.

The client is laxer than the API server in a few ways (it hands the text to Python's
Decimal, and knows "K" as kilo); there chartkit refuses what the API server refuses, and
the test names each such case. Everywhere else the two agree: the same number, or both
refuse."""

from __future__ import annotations

import itertools
import random
import re
from decimal import Decimal

import pytest
from kubernetes.utils.quantity import parse_quantity

from chartkit.sizing.quantity import QuantityError, cpu_millis, memory_bytes, parse

NUMBERS = ["0", "1", "12", "007", "1.5", ".5", "5.", "+2", "-3", "-.25", "1.2.3", "", ".", "-"]
SUFFIXES = [
    *["", "n", "u", "m", "k", "M", "G", "T", "P", "E"],
    *["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"],
    *["e3", "E3", "e-2", "E+4", "e0", "e", "E-", "e1.5", "e3m", "E2Ki"],
    *["K", "ki", "mi", "KI", "GB", "gb", "Gb", "kb", "B", "i", "x", "mm", "MiB", " ", "_0"],
]
ALPHABET = "0123456789.+-eEinumkKMGTPb _"


def client_laxer_than_the_api_server(text: str) -> str | None:
    """Why the API server refuses a text the Kubernetes client parses, if it does."""
    if text != text.strip() or " " in text:
        return "whitespace"
    if "_" in text:
        return "digit separator"
    if text.endswith("K"):
        return "K is not a decimal suffix (k is)"
    if re.search(r"[eE][+-]?[0-9]+[numkKMGTPE]i?$", text):
        return "an exponent and a suffix together"
    return None


def generated(count: int = 4000, seed: int = 1936) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(ALPHABET, k=rng.randint(1, 6))) for _ in range(count)]


def client(text: str) -> Decimal | None:
    try:
        return parse_quantity(text)
    except ValueError:
        return None


def ours(text: str) -> Decimal | None:
    try:
        return parse(text)
    except QuantityError:
        return None


INPUTS = sorted({n + s for n, s in itertools.product(NUMBERS, SUFFIXES)} | set(generated()))


def test_agrees_with_the_kubernetes_client() -> None:
    disagreements = []
    laxer = 0
    for text in INPUTS:
        expected, got = client(text), ours(text)
        if expected is not None and got is None and client_laxer_than_the_api_server(text):
            laxer += 1
            continue
        if expected != got:
            disagreements.append(f"{text!r}: client {expected}, chartkit {got}")
    assert not disagreements, "\n".join(disagreements[:40])
    accepted = sum(1 for text in INPUTS if ours(text) is not None)
    # the comparison covers many accepted and many refused texts, and the client's laxness
    assert accepted > 300 and len(INPUTS) - accepted > 2000 and laxer > 50


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1E", 10**18),
        ("2Ei", 2 * 2**60),
        ("3P", 3 * 10**15),
        ("1.5Gi", 3 * 2**29),
        ("250m", Decimal("0.25")),
        ("7n", Decimal("7e-9")),
        ("2u", Decimal("2e-6")),
        ("1e3", 1000),
        ("1.5E+2", 150),
        ("5e-1", Decimal("0.5")),
        (".5", Decimal("0.5")),
        ("5.", 5),
        ("-1k", -1000),
        (2, 2),
        (0.5, Decimal("0.5")),
    ],
)
def test_every_suffix_and_exponent_form(text: str | float, value: Decimal | int) -> None:
    assert parse(text) == value


@pytest.mark.parametrize(
    "text", ["2GB", "8gb", "1.2.3", "1K", "1ki", "1mi", " 1", "1 ", "1_000", "1e3m", "1e", "", "."]
)
def test_refuses_what_the_api_server_refuses(text: str) -> None:
    with pytest.raises(QuantityError, match=re.escape(repr(text))):
        parse(text)


def test_cpu_and_memory_round_up() -> None:
    assert cpu_millis("0.0001") == 1
    assert cpu_millis("1.5") == 1500
    assert memory_bytes("1.5Ki") == 1536
    assert memory_bytes("1500m") == 2
