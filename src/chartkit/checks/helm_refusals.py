"""Helm's refusal of a chart's values (`helm template` or `helm lint` output) as one
problem per values field.

Helm words the same refusal three ways: its schema check (helm 4: `- at '/a/b/0': ...`,
helm 3: `- a.b.0: ...`), the chart's own `fail` (`values error: a.b[0]: ...`, the charts'
common.fail, renamed keys listed one per line), and anything else (a values file helm cannot
parse, a template bug). Each problem names the field the way the charts do (`a.b[0]`); a
failed pattern is told by the schema part's patternErrorMessage when the chart's schema has
one for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

SCHEMA = "schema"
TEMPLATES = "templates"
HELM = "helm"

_SCHEMA_HEADER = "values don't meet the specifications of the schema"
_HELM4_ITEM = re.compile(r"^- at '(?P<pointer>[^']*)': (?P<message>.*)$")
_HELM3_ITEM = re.compile(r"^- (?P<path>\(root\)|\S+): (?P<message>.*)$")
_VALUES_ERROR = re.compile(r"values error: (?P<fields>.+?): (?P<message>.*)$")
_RENAMED_ITEM = re.compile(r"^\s+- (?P<key>\S+) is now ")
_UNKNOWN_KEYS = re.compile(r"^additional properties (?P<keys>.+) not allowed$")
_UNKNOWN_KEY = re.compile(r"^Additional property (?P<key>\S+) is not allowed$")
_PATTERN = re.compile(r"^(?:(?P<value>'.*') )?[Dd]oes not match pattern '(?P<regex>.*)'$")
_LINT_FINDING = re.compile(r"^\[(ERROR|WARNING)\] (?P<text>.*)$")
_LINT_SUMMARY = re.compile(r"^(Error: )?\d+ chart\(s\) linted")
_NOISE = ("Use --debug flag", "level=INFO", "level=WARN")


@dataclass(frozen=True)
class HelmProblem:
    field: str  # "" when helm names none
    message: str
    source: str  # SCHEMA, TEMPLATES or HELM

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


def read_refusal(
    stderr: str, pattern_messages: Mapping[str, str] | None = None
) -> list[HelmProblem]:
    """The problems of one helm error text; never empty for a non-empty text."""
    lines = [line for line in stderr.splitlines() if not line.startswith(_NOISE)]
    text = "\n".join(lines)
    problems: list[HelmProblem] = []
    if _SCHEMA_HEADER in text:
        problems = list(_schema_problems(lines, pattern_messages or {}))
    elif "values error: " in text:
        problems = list(_template_problems(lines))
    if problems:
        return problems
    flat = " ".join(" ".join(lines).split())
    return [HelmProblem("", flat, HELM)] if flat else []


def read_lint(output: str, pattern_messages: Mapping[str, str] | None = None) -> list[HelmProblem]:
    """The problems of `helm lint` output: each [ERROR] or [WARNING] finding (helm prints
    the schema's findings twice, for values.yaml and templates/: they are given once), and
    a chart's `fail`, which helm's lint mode only logs (chartkit.tools.helm.Helm.lint)."""
    findings: list[list[str]] = []
    rest: list[str] = []
    current = rest
    for line in output.splitlines():
        finding = _LINT_FINDING.match(line)
        if finding:
            findings.append([finding["text"]])
            current = findings[-1]
        elif line.startswith(("[INFO]", "==> Linting")) or _LINT_SUMMARY.match(line):
            current = rest
        else:
            current.append(line)
    problems: list[HelmProblem] = []
    for lines in findings:
        first = lines[0].partition(": ")[2]
        body = [first, *lines[1:]] if first.startswith("- ") else lines
        if any(line.startswith("- ") for line in body):
            problems += _schema_problems(body, pattern_messages or {})
        else:
            problems += read_refusal("\n".join(lines), pattern_messages)
    if "values error: " in "\n".join(rest):
        problems += _template_problems(rest)
    return list(dict.fromkeys(problems))


def pattern_messages(schema: Any) -> dict[str, str]:
    """pattern -> patternErrorMessage of every schema node that has both."""
    found: dict[str, str] = {}
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            pattern, message = node.get("pattern"), node.get("patternErrorMessage")
            if isinstance(pattern, str) and isinstance(message, str):
                found[pattern] = message
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _schema_problems(lines: list[str], patterns: Mapping[str, str]) -> Iterator[HelmProblem]:
    """Helm's schema check: one `- ` item per problem, details indented beneath it."""
    items: list[list[str]] = []
    for line in lines:
        if line.startswith("- "):
            items.append([line])
        elif line.startswith((" ", "\t")) and items and line.strip().startswith("- "):
            items[-1].append(line.strip())
    for head, *details in items:
        field, message = _schema_item(head)
        message = _with_pattern_message(message, patterns)
        if details:
            inner = [_with_pattern_message(_schema_item(d)[1], patterns) for d in details]
            message += ": " + "; ".join(dict.fromkeys(inner))
        yield from _split_unknown_keys(field, message)


def _schema_item(line: str) -> tuple[str, str]:
    helm4 = _HELM4_ITEM.match(line)
    if helm4:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in helm4["pointer"].split("/")[1:]]
        return _field(parts), helm4["message"]
    helm3 = _HELM3_ITEM.match(line)
    if helm3:
        path = "" if helm3["path"] == "(root)" else helm3["path"]
        return _field(path.split(".") if path else []), helm3["message"]
    return "", line.lstrip("- ")


def _field(parts: list[str]) -> str:
    text = ""
    for part in parts:
        if part.isdigit() and text:
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def _split_unknown_keys(field: str, message: str) -> Iterator[HelmProblem]:
    """`additional properties 'a', 'b' not allowed` (helm 4) and `Additional property a is
    not allowed` (helm 3) as one problem per key, named by its own path."""
    several, one = _UNKNOWN_KEYS.match(message), _UNKNOWN_KEY.match(message)
    names = re.findall(r"'([^']*)'", several["keys"]) if several else [one["key"]] if one else []
    if not names:
        yield HelmProblem(field, message, SCHEMA)
        return
    for name in names:
        yield HelmProblem(f"{field}.{name}" if field else name, f"unknown key '{name}'", SCHEMA)


def _with_pattern_message(message: str, patterns: Mapping[str, str]) -> str:
    """`'8gb' does not match pattern '<regex>'` (helm 4) or `Does not match pattern
    '<regex>'` (helm 3) in the schema's own words for the pattern."""
    match = _PATTERN.match(message)
    if not match:
        return message
    regex = match["regex"]
    hint = patterns.get(regex) or patterns.get(regex.replace("\\\\", "\\"))
    if hint is None:
        return message
    value = match["value"]
    return f'"{value[1:-1]}": {hint}' if value else hint


def _template_problems(lines: list[str]) -> Iterator[HelmProblem]:
    """The chart's `fail`: `values error: <fields>: <message>`, then any lines it lists."""
    for index, line in enumerate(lines):
        found = _VALUES_ERROR.search(line)
        if not found:
            continue
        fields = [f.strip() for f in found["fields"].split(", ")]
        details = []
        for follow in lines[index + 1 :]:
            if not follow.strip() or "values error: " in follow:
                break
            details.append(follow)
        renamed = [d for d in details if _RENAMED_ITEM.match(d)]
        if renamed and len(renamed) == len(fields):
            advice = " ".join(d.strip() for d in details if d not in renamed)
            for detail in renamed:
                key = _RENAMED_ITEM.match(detail)["key"]  # type: ignore[index]
                yield HelmProblem(key, f"renamed: {detail.strip()[2:]}; {advice}", TEMPLATES)
        else:
            message = " ".join([found["message"], *(d.strip() for d in details)])
            yield HelmProblem(", ".join(fields), " ".join(message.split()), TEMPLATES)
