"""Reading the bad-values corpus (tests/bad-values/<chart>/<case>.yaml, README.md there).

Imported by the tests in this directory as `corpus` (pytest puts it on sys.path)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
HEADER_KEYS = ("expect", "field", "helm", "rule", "from", "case")
HELM_OUTCOMES = ("template", "schema", "renders")
RULES = (
    "request-above-limit",
    "hpa-min-above-max",
    "replica-bound",
    "probe-port",
    "env-duplicate",
    "quantity",
    "dns-host",
    "storage-size",
    "storage-class",
    "cidr",
    "canary-weights",
    "latest-tag",
    "reserved-pod-label",
    "host-path",
    "renamed-key",
    "legacy-guide-file",
    "unknown-key",
    "wrong-type",
    "secret-literal",
    "duplicate-yaml-key",
)
_HEADER_LINE = re.compile(r"^# (?P<key>[a-z]+): (?P<value>.+)$")


@dataclass(frozen=True)
class Case:
    path: Path
    chart: str
    name: str
    expect: str  # a fragment chartkit's report of the case contains
    field: str  # the values field (or object field) the same line names
    helm: str  # what `helm template` does with it: template, schema or renders
    rule: str  # one of RULES
    source: str  # the real values file it is a mutation of, relative to the repository
    why: str

    @property
    def id(self) -> str:
        return f"{self.chart}/{self.name}"


def read_case(path: Path) -> Case:
    """A case from its leading `# key: value` lines; AssertionError naming the file and
    the key when one is missing or wrong."""
    header: dict[str, str] = {}
    for line in path.read_text().splitlines():
        match = _HEADER_LINE.match(line)
        if not match or match["key"] not in HEADER_KEYS:
            break
        assert match["key"] not in header, f"{path}: `# {match['key']}:` given twice"
        header[match["key"]] = match["value"].strip()
    missing = [key for key in HEADER_KEYS if key not in header]
    assert not missing, f"{path}: the header lacks {', '.join(f'# {k}:' for k in missing)}"
    assert header["helm"] in HELM_OUTCOMES, f"{path}: # helm: is one of {HELM_OUTCOMES}"
    assert header["rule"] in RULES, f"{path}: # rule: {header['rule']!r} is not one of {RULES}"
    return Case(
        path=path,
        chart=path.parent.name,
        name=path.stem,
        expect=header["expect"],
        field=header["field"],
        helm=header["helm"],
        rule=header["rule"],
        source=header["from"],
        why=header["case"],
    )


def all_cases() -> list[Case]:
    return [read_case(path) for path in sorted(HERE.glob("*/*.yaml"))]
