"""chartkit.checks.values_files: one values file against its chart's schema, each problem one
line naming the file and the field, with the nearest valid key for an unknown one, the
schema's own words for a failed pattern, keys written twice, and no secret value repeated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chartkit.checks.values_files import ValuesChecker

API_VALUES = "values/univprepai.yaml"
KEY = "sk-proj-4fJq9ZxT2mLw8RbN6yHc3VdK"


@pytest.fixture(scope="module")
def checker(repo_root: Path) -> ValuesChecker:
    return ValuesChecker(repo_root)


def problems_of(
    checker: ValuesChecker,
    tmp_path: Path,
    chart: str,
    values: dict[str, Any],
    base: str | None = None,
) -> list[str]:
    """The problems of `values` (merged over the values file `base`) as chartkit prints them."""
    document = yaml.safe_load((checker.root / base).read_text()) if base else {}
    document = {**document, **values}
    path = tmp_path / "team.yaml"
    path.write_text(yaml.safe_dump(document))
    return [str(p) for p in checker.check(checker.root / "charts" / chart, path)]


def only(problems: list[str]) -> str:
    assert len(problems) == 1, problems
    return problems[0].split(": ", 1)[1]


@pytest.mark.parametrize(
    ("chart", "values", "line"),
    [
        (
            "r-analytics",
            {"servicemonitor": {}},
            "servicemonitor: unknown key 'servicemonitor': did you mean serviceMonitor?",
        ),
        ("api", {"replicas": 3}, "replicas: unknown key 'replicas': did you mean replicaCount?"),
        (
            "api",
            {"image": {"repository": "r", "tagg": "1"}},
            "image.tagg: unknown key 'tagg': did you mean image.tag?",
        ),
        # not a key here, but nearly the same word elsewhere: named by its full path
        ("api", {"tag": "1.0"}, "tag: unknown key 'tag': did you mean image.tag?"),
        (
            "ecp-tenant",
            {"services": {"callbot": {"concurrentSessions": 100}}},
            "services.callbot.concurrentSessions: unknown key 'concurrentSessions': did you mean "
            "services.callbot.sessions?",
        ),
        (
            "ecp-tenant",
            {"concurrentSessions": 100},
            "concurrentSessions: unknown key 'concurrentSessions'",
        ),
        # nothing close: no guess (serviceAccount has as many letters alike, but is another word)
        ("ecp-tenant", {"replicaCount": 3}, "replicaCount: unknown key 'replicaCount'"),
        (
            "codebeaker",
            {"worker": {"replicas": 2}},
            "worker.replicas: unknown key 'replicas': did you mean worker.replicaCount?",
        ),
    ],
    ids=[
        "case",
        "replicas",
        "nested",
        "elsewhere",
        "ecp-sessions",
        "no-match",
        "no-guess",
        "codebeaker",
    ],
)
def test_an_unknown_key_names_the_nearest_valid_key(
    checker, tmp_path, chart: str, values: dict[str, Any], line: str
) -> None:
    assert only(problems_of(checker, tmp_path, chart, values)) == line


def test_a_renamed_key_is_never_suggested(checker, tmp_path) -> None:
    """api's schema admits podAntiAffinity (renamed): a typo of it gets the new name."""
    line = only(problems_of(checker, tmp_path, "api", {"podAntiAfinity": "soft"}))
    assert line.endswith("did you mean podAntiAffinityPreset?")


def test_with_nothing_close_the_few_keys_allowed_are_listed(checker, tmp_path) -> None:
    values = {"env": {"OPENAI_API_KEY": {"value": KEY}}}
    line = only(problems_of(checker, tmp_path, "api", values, API_VALUES))
    assert line == (
        "env.OPENAI_API_KEY: a mapping fits none of the allowed forms: unknown key 'value' "
        "(allowed here: secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef)"
    )


@pytest.mark.parametrize(
    ("values", "line"),
    [
        (
            {"resources": {"limits": {"memory": "2GB"}}},
            'resources.limits.memory: "2GB": Not a Kubernetes quantity: a number with at most one '
            "unit",
        ),
        (
            {"ingress": {"hosts": [{"host": "not a host!"}]}},
            'ingress.hosts[0].host: "not a host!": Not a DNS name: lower-case letters',
        ),
        ({"env": {"bad name": "x"}}, 'env: key "bad name" is not allowed here: keys must match'),
        ({"replicaCount": "two"}, "replicaCount: \"two\" is not of type 'integer'"),
        (
            {"env": {"X": ["a"]}},
            "env.X: a list is not of type 'string', 'number', 'boolean', 'object'",
        ),
    ],
    ids=["pattern-message", "host", "key-name", "type", "no-form"],
)
def test_schema_problems_say_what_is_allowed(checker, tmp_path, values, line) -> None:
    assert only(problems_of(checker, tmp_path, "api", values)).startswith(line)


def test_a_key_written_twice_is_named_with_both_lines(checker, tmp_path) -> None:
    path = tmp_path / "team.yaml"
    path.write_text("replicaCount: 2\nimage:\n  tag: '1.0'\nreplicaCount: 3\n")
    [problem] = checker.check(checker.root / "charts/api", path)
    assert str(problem) == (
        f"{path}:4: replicaCount: duplicated key 'replicaCount' (first at line 1): helm keeps "
        "only the last one and silently ignores line 1; remove one of them"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- replicaCount: 2\n", "is a list; a values file is a mapping of keys to values"),
        ("image: [\n", "not valid YAML: did not find expected node content"),
    ],
    ids=["list", "bad-yaml"],
)
def test_a_file_that_is_no_mapping_is_one_problem(checker, tmp_path, text, message) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(text)
    [problem] = checker.check(checker.root / "charts/api", path)
    assert message in str(problem) and str(problem).startswith(str(path))


def test_a_missing_file_is_named(checker, tmp_path) -> None:
    [problem] = checker.check(checker.root / "charts/api", tmp_path / "gone.yaml")
    assert str(problem) == f"{tmp_path / 'gone.yaml'}: does not exist"


def test_no_message_repeats_a_secret_value(checker, tmp_path) -> None:
    values = {"resources": {"limits": {"memory": KEY}}, "env": {"DB_PASSWORD": ["hunter22"]}}
    problems = problems_of(checker, tmp_path, "api", values, API_VALUES)
    text = "\n".join(problems)
    assert 'resources.limits.memory: "sk-p…(redacted)": Not a Kubernetes quantity' in text
    assert KEY not in text and "hunter22" not in text
