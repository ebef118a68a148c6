"""Masking secret values in what chartkit prints.

An error message never repeats a value the no-secret-literals policy rule would flag
(chartkit.checks.policy.credentials), whoever wrote the message: chartkit's values check,
helm's schema errors (helm 4 quotes the value that failed a pattern), the chart's own
refusals. Masked are:

- every string of a credential's shape, wherever it appears (sk-..., AKIA..., ghp_..., a JWT,
  a private key block, the password of a user:password@ URL);
- every string a values file gives under an environment-variable-style name (UPPER_SNAKE
  keys of env-like maps, or `name:` of a `{name, value}` entry) that the rule reads as a
  secret's (*PASSWORD*, *TOKEN*, *API_KEY*, ... but not *_PATH, *_URL, *_ID ...).

A masked value keeps its first four characters when it is long enough to stay
unguessable without them (16 or more), e.g. `sk-p…(redacted)`; shorter ones show none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chartkit.checks.policy.credentials import SECRET_VALUE, looks_secret

MASK = "…(redacted)"
KEPT_PREFIX = 4
KEPT_FROM_LENGTH = 16
# Env var and ConfigMap key names as teams write them; camelCase values keys are not.
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.DOTALL
)
_URL_PASSWORD = re.compile(r"(://[^/\s:@]+:)([^/\s@]+)(@)")


def mask(value: str) -> str:
    """`sk-proj-abc...` as `sk-p…(redacted)`; a short value as `…(redacted)`."""
    if len(value) >= KEPT_FROM_LENGTH:
        return value[:KEPT_PREFIX] + MASK
    return MASK


def secret_literals(document: Any) -> frozenset[str]:
    """The strings a values document gives under a secret's env-style name (a credential's
    shape is masked wherever it appears, Redactor)."""
    found: set[str] = set()
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            name, value = node.get("name"), node.get("value")
            if isinstance(name, str) and isinstance(value, str) and looks_secret(name, value):
                found.add(value)
            for key, item in node.items():
                if isinstance(item, str):
                    if _ENV_NAME.match(str(key)) and looks_secret(str(key), item):
                        found.add(item)
                else:
                    stack.append(item)
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(value for value in found if value.strip())


@dataclass(frozen=True)
class Redactor:
    """Masks the given literals (as written, as Python and JSON would quote them) and every
    credential-shaped string in a text."""

    literals: frozenset[str] = frozenset()

    @classmethod
    def of(cls, documents: Iterable[Any]) -> Redactor:
        literals: set[str] = set()
        for document in documents:
            literals |= secret_literals(document)
        return cls(frozenset(literals))

    def __call__(self, text: str) -> str:
        for literal in sorted(self.literals, key=len, reverse=True):
            for form in _written_forms(literal):
                text = re.sub(
                    rf"(?<![\w-]){re.escape(form)}(?![\w-])", lambda _, v=literal: mask(v), text
                )
        text = _PRIVATE_KEY.sub(lambda m: mask(m.group(0)), text)
        text = _URL_PASSWORD.sub(lambda m: m.group(1) + mask(m.group(2)) + m.group(3), text)
        return SECRET_VALUE.sub(_mask_match, text)


def _mask_match(match: re.Match[str]) -> str:
    value = match.group(0)
    return value if MASK in value else mask(value)


def _written_forms(literal: str) -> list[str]:
    """The literal as written, inside Python's repr and inside a JSON string."""
    return list(dict.fromkeys([literal, repr(literal)[1:-1], json.dumps(literal)[1:-1]]))
