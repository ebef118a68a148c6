"""promtool unit-test files kept as templates: `${name}` placeholders filled per release,
cases that do not apply left out, expected annotations completed from the rendered rules,
then run against the release's rule file; `AlertTests` runs one chart's alert tests, and
tells a `Typo` in a rule from the rule as rendered."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from chartkit.releases.manifest import Manifest
from chartkit.tools import yaml_io
from helpers.monitoring.rules import alert_rules_of, rule_file
from helpers.promtool import Promtool, PromtoolResult, write_yaml

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_.:-]+)\}")


def fill_placeholders(node: Any, values: Mapping[str, Any]) -> Any:
    """A copy of a parsed YAML document with every `${name}` in its strings replaced; an
    unknown placeholder is an error."""
    if isinstance(node, dict):
        return {k: fill_placeholders(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [fill_placeholders(v, values) for v in node]
    if isinstance(node, str):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise KeyError(f"placeholder ${{{name}}} has no value (known: {sorted(values)})")
            return str(values[name])

        return _PLACEHOLDER.sub(replace, node)
    return node


def placeholders_in(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set().union(*(placeholders_in(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(placeholders_in(v) for v in node)) if node else set()
    if isinstance(node, str):
        return set(_PLACEHOLDER.findall(node))
    return set()


_LABEL_REFERENCE = re.compile(r"\{\{\s*\$labels\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def expand_annotation(text: str, labels: Mapping[str, str]) -> str:
    """An annotation as Prometheus expands it, for the `{{ $labels.name }}` references the
    charts use; any other template syntax is refused (the expectation would be a guess)."""
    expanded = _LABEL_REFERENCE.sub(lambda m: str(labels.get(m.group(1), "")), text)
    if "{{" in expanded:
        raise ValueError(f"annotation uses template syntax other than $labels: {text}")
    return expanded


def complete_expected_annotations(test_file: dict[str, Any], alerts: Mapping[str, Any]) -> None:
    """Fill in exp_annotations an alert_rule_test leaves out, from the rendered rule."""
    for group in test_file.get("tests") or []:
        for case in group.get("alert_rule_test") or []:
            rule = alerts.get(case["alertname"])
            for expected in case.get("exp_alerts") or []:
                if "exp_annotations" in expected or rule is None:
                    continue
                labels = {"alertname": case["alertname"], **(expected.get("exp_labels") or {})}
                expected["exp_annotations"] = {
                    key: expand_annotation(str(value), labels)
                    for key, value in (rule.get("annotations") or {}).items()
                }


def run_rule_tests(
    promtool: Promtool,
    rules: Mapping[str, Any],
    test_template: Path,
    placeholders: Mapping[str, Any],
    workdir: Path,
    strip_keys: Sequence[str] = (),
) -> PromtoolResult:
    """Run a promtool unit-test template against a rule file.

    The template's `${name}` placeholders are filled in (a case whose eval_time is a
    placeholder set to None does not apply and is left out), keys in `strip_keys` (notes a
    test reads itself) are removed from each test group, exp_annotations left out are filled
    from the rendered rules, and `rule_files` points at the rule file written next to it.
    """
    document = yaml_io.load(test_template.read_text())
    drop_inapplicable_cases(document, placeholders)
    document = fill_placeholders(document, placeholders)
    for group in document.get("tests") or []:
        for key in strip_keys:
            group.pop(key, None)
    complete_expected_annotations(document, alert_rules_of(rules))
    workdir.mkdir(parents=True, exist_ok=True)
    write_yaml(workdir / "rules.yaml", dict(rules))
    document["rule_files"] = ["rules.yaml"]
    test_path = write_yaml(workdir / test_template.name, document)
    return promtool.test_rules(test_path)


def drop_inapplicable_cases(document: dict[str, Any], placeholders: Mapping[str, Any]) -> None:
    """Leave out cases whose eval_time is a placeholder set to None, and test groups left
    without cases."""

    def applies(case: Mapping[str, Any]) -> bool:
        match = _PLACEHOLDER.fullmatch(str(case.get("eval_time", "")))
        return not (
            match and match.group(1) in placeholders and placeholders[match.group(1)] is None
        )

    groups = []
    for group in document.get("tests") or []:
        cases = 0
        for key in ("alert_rule_test", "promql_expr_test"):
            if key in group:
                group[key] = [case for case in group[key] if applies(case)]
                cases += len(group[key])
        if cases:
            groups.append(group)
    document["tests"] = groups


def check_rules_of(promtool: Promtool, manifest: Manifest, workdir: Path) -> PromtoolResult:
    """`promtool check rules` on the rule file of a manifest's PrometheusRules."""
    return promtool.check_rules(write_yaml(workdir / "rules.yaml", rule_file(manifest.objects)))


class Typo(NamedTuple):
    """A typo in one field of one alerting rule (a wrong label, threshold, comparison or
    duration): `old` in the rule's `field` (expr, for) reads `new`."""

    alert: str
    field: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.alert}:{self.old}->{self.new}"


Placeholders = Callable[[Manifest, Mapping[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True)
class AlertTests:
    """The promtool unit tests of one chart's alerts, `<directory>/<Alert>.test.yaml`, with
    the placeholders the chart's test module takes from a rendered manifest and its values.

    Called as run_alert_test(promtool, manifest, values, alert, workdir, rules=None): the
    alert's test against `rules` (default: the rule file of the manifest's PrometheusRules),
    written under workdir/<alert>. `assert_typo_fails` checks that the test can fail.
    """

    directory: Path
    placeholders: Placeholders

    def __call__(
        self,
        promtool: Promtool,
        manifest: Manifest,
        values: Mapping[str, Any],
        alert: str,
        workdir: Path,
        rules: Mapping[str, Any] | None = None,
    ) -> PromtoolResult:
        return run_rule_tests(
            promtool,
            rule_file(manifest.objects) if rules is None else rules,
            self.directory / f"{alert}.test.yaml",
            self.placeholders(manifest, values),
            workdir / alert,
        )

    def test_file_names(self) -> set[str]:
        """The names of the test files in the directory, `<name>.test.yaml`."""
        return {path.name.removesuffix(".test.yaml") for path in self.directory.glob("*.test.yaml")}

    def assert_typo_fails(
        self,
        promtool: Promtool,
        manifest: Manifest,
        values: Mapping[str, Any],
        typo: Typo,
        workdir: Path,
    ) -> None:
        """The alert's test passes against the manifest's rules as rendered (under
        workdir/as-rendered) and fails against the same rules with the typo (workdir/mutated)."""
        alert, field, old, new = typo
        rules = rule_file(manifest.objects)
        as_rendered = self(promtool, manifest, values, alert, workdir / "as-rendered", rules)
        assert as_rendered.ok, str(as_rendered)
        rule = alert_rules_of(rules)[alert]
        assert old in rule[field], f"{alert}.{field} has no {old!r}: {rule[field]}"
        rule[field] = rule[field].replace(old, new)
        mutated = self(promtool, manifest, values, alert, workdir / "mutated", rules)
        assert not mutated.ok, f"{alert} with {field} {old!r} -> {new!r} still passes"
