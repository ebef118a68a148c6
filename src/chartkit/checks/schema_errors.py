"""A JSON Schema error on a values file as (field, message) lines a user can act on.

- an unknown key is one line per key, with the nearest valid key (chartkit.checks.
  key_suggestions) or, when none is close and there are few, the keys allowed there;
- a failed pattern shows the schema part's patternErrorMessage instead of the regex;
- a value matching none of the allowed forms (anyOf, oneOf) says what each form lacks;
- a mapping or a list is never printed whole, only named ("a mapping").

Fields are dotted paths with list indexes in brackets, the way the charts' own messages
name them: `ingress.hosts[0].host`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jsonschema.exceptions import ValidationError

from chartkit.checks.key_suggestions import allowed_keys, field_of, suggest

MAX_LISTED_KEYS = 8


def shown(value: Any) -> str:
    """A value as a message quotes it: scalars as written, containers only named."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def describe(error: ValidationError, root: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (field, message) lines of one error of a values document against `root`."""
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        return _unknown_keys(error, path, root)
    if error.validator in ("anyOf", "oneOf") and error.context:
        return [(field_of(path), _no_form_fits(error, root))]
    return [(field_of(path), _message(error))]


def _message(error: ValidationError) -> str:
    if error.validator == "pattern":
        if "propertyNames" in error.schema_path:
            return (
                f"key {shown(error.instance)} is not allowed here: keys must match "
                f"{error.validator_value!r}"
            )
        hint = error.schema.get("patternErrorMessage") if isinstance(error.schema, dict) else None
        if hint:
            return f"{shown(error.instance)}: {hint}"
        return f"{shown(error.instance)} does not match {error.validator_value!r}"
    if error.validator == "type":
        expected = error.validator_value
        names = expected if isinstance(expected, list) else [expected]
        return f"{shown(error.instance)} is not of type {', '.join(repr(n) for n in names)}"
    written = repr(error.instance)
    if isinstance(error.instance, dict | list) and error.message.startswith(written):
        # jsonschema's message starts with the whole instance: name it instead
        return shown(error.instance) + error.message[len(written) :]
    return error.message


def _unknown_keys(
    error: ValidationError, path: list[str | int], root: Mapping[str, Any]
) -> list[tuple[str, str]]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    known = set(schema.get("properties") or {})
    patterns = [re.compile(p) for p in (schema.get("patternProperties") or {})]
    lines = []
    for key in sorted(str(k) for k in error.instance):
        if key in known or any(p.search(key) for p in patterns):
            continue
        message = f"unknown key '{key}'"
        nearest = suggest(key, path, schema, root)
        if nearest is not None:
            message += f": did you mean {nearest}?"
        else:
            allowed = allowed_keys(schema, root)
            if 0 < len(allowed) <= MAX_LISTED_KEYS:
                message += f" (allowed here: {', '.join(allowed)})"
        lines.append((field_of([*path, key]), message))
    return lines


def _no_form_fits(error: ValidationError, root: Mapping[str, Any]) -> str:
    """Why none of the forms of an anyOf/oneOf fits: what the forms of the value's own
    shape lack; only when none has that shape, the types allowed."""
    reasons = [c for c in error.context or () if c.validator != "type"]
    if not reasons:
        types: list[str] = []
        for candidate in error.context or ():
            value = candidate.validator_value
            types += [t for t in (value if isinstance(value, list) else [value]) if t not in types]
        return f"{shown(error.instance)} is not of type {', '.join(repr(t) for t in types)}"
    here = field_of(list(error.absolute_path))
    lines = []
    for reason in reasons:
        for field, message in describe(reason, root):
            inner = field[len(here) :].lstrip(".") if field.startswith(here) else field
            named = not inner or f"'{inner}'" in message
            lines.append(message if named else f"{inner}: {message}")
    return f"{shown(error.instance)} fits none of the allowed forms: " + "; ".join(
        dict.fromkeys(lines)
    )
