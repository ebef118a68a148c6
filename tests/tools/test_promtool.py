"""The promtool wrapper: found or refused with advice, and each of its commands against the
real promtool."""

from __future__ import annotations

from pathlib import Path

import pytest

from chartkit.tools.answer_store import AnswerStore
from chartkit.tools.toolbox import ToolMissingError
from helpers.promtool import Expression, Promtool, write_yaml


def test_promtool_is_installed(promtool: Promtool) -> None:
    major = int(promtool.version().split(".")[0])
    assert major >= 2


def test_missing_promtool_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(ToolMissingError, match="make setup"):
        Promtool(tmp_path / "promtool")


def test_parse_names_each_broken_expression(promtool: Promtool) -> None:
    good = Expression("good", 'sum by (le) (rate(x_bucket{a="b"}[5m]))')
    unclosed = Expression("unclosed", "sum(rate(x[5m])")
    typo = Expression("typo", 'rate(x{a="b"}[5 m])')
    problems = promtool.parse([good, unclosed, typo])
    assert [p.expression.source for p in problems] == ["unclosed", "typo"]
    assert "parse error" in problems[0].message
    assert promtool.parse([good]) == []
    assert promtool.parse([]) == []


def test_check_rules_refuses_a_broken_rule(promtool: Promtool, tmp_path: Path) -> None:
    bad = {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up ==", "for": "5m"}]}]}
    result = promtool.check_rules(write_yaml(tmp_path / "bad.yaml", bad))
    assert not result.ok and "A" in result.output
    good = {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0", "for": "5m"}]}]}
    assert promtool.check_rules(write_yaml(tmp_path / "good.yaml", good)).ok


def test_test_rules_reports_a_failing_expectation(promtool: Promtool, tmp_path: Path) -> None:
    write_yaml(tmp_path / "rules.yaml", {"groups": []})
    test = {
        "rule_files": ["rules.yaml"],
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": "up", "values": "1x5"}],
                "promql_expr_test": [
                    {"expr": "up", "eval_time": "2m", "exp_samples": [{"value": 0}]}
                ],
            }
        ],
    }
    result = promtool.test_rules(write_yaml(tmp_path / "t.yaml", test))
    assert not result.ok and "exp" in result.output


def test_promtool_runs_without_gos_collector_unless_the_user_sets_gogc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "promtool"
    fake.write_text('#!/bin/sh\necho "GOGC=$GOGC GOMEMLIMIT=$GOMEMLIMIT"\n')
    fake.chmod(0o755)
    monkeypatch.delenv("GOGC", raising=False)
    monkeypatch.delenv("GOMEMLIMIT", raising=False)
    assert Promtool(fake).run("x").stdout.strip() == "GOGC=off GOMEMLIMIT=512MiB"
    monkeypatch.setenv("GOGC", "200")
    assert Promtool(fake).run("x").stdout.strip() == "GOGC=200 GOMEMLIMIT=512MiB"


def test_test_rules_answers_are_kept_by_the_files_contents(tmp_path: Path) -> None:
    """With an AnswerStore, a later run of the same test and rule files reads the answer
    back; a changed rule file or test file runs promtool again."""
    fake = tmp_path / "promtool"
    fake.write_text(f'#!/bin/sh\necho "$*" >> {tmp_path}/calls\necho SUCCESS\nexit 3\n')
    fake.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    write_yaml(work / "rules.yaml", {"groups": []})
    test = write_yaml(work / "t.yaml", {"rule_files": ["rules.yaml"], "tests": []})

    def run() -> tuple[int, str]:
        result = Promtool(fake, answers=AnswerStore(tmp_path / "answers")).test_rules(test)
        return result.returncode, result.stdout

    def calls() -> int:
        return len((tmp_path / "calls").read_text().splitlines())

    assert run() == run() == (3, "SUCCESS\n")
    assert calls() == 1
    write_yaml(work / "rules.yaml", {"groups": [{"name": "g", "rules": []}]})
    run()
    assert calls() == 2
    write_yaml(
        work / "t.yaml", {"rule_files": ["rules.yaml"], "tests": [], "evaluation_interval": "1m"}
    )
    run()
    assert calls() == 3
    write_yaml(work / "t.yaml", {"rule_files": ["missing.yaml"], "tests": []})
    run(), run()
    assert calls() == 5  # a rule file that is not there: nothing kept
