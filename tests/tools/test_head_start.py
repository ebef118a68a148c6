"""chartkit.tools.head_start: runs started from the last run's plan, claimed only when the
command asks for exactly them, with what subprocess.run would have given."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from chartkit.tools.head_start import HeadStart, prune_plans, read_plan, supported, write_plan

pytestmark = pytest.mark.skipif(not supported(), reason="head starts need Linux (memfd, pidfd)")
KEY = ["/repo", "render", "seedtest-api"]
SHELL = "/bin/sh"


def anything(_command: Sequence[str], _env: Mapping[str, str]) -> bool:
    return True


def planned(tmp_path: Path, *runs: list[str], env: Mapping[str, str] | None = None) -> HeadStart:
    """A head start whose plan (written by a first run asking for `runs`) started them."""
    first = HeadStart.begin(str(tmp_path), KEY, anything)
    for command in runs:
        assert first.claim(command, dict(env or {}), 10) is None  # nothing planned yet
    first.finish()
    return HeadStart.begin(str(tmp_path), KEY, anything)


def test_a_plan_reads_back_as_written(tmp_path: Path) -> None:
    path = str(tmp_path / "plan")
    runs = [(["helm", "template", "a b", "x\ny", "ünï"], {"GOGC": "off", "A": "b=c"})]
    write_plan(path, KEY, runs)
    assert read_plan(path, KEY) == runs
    assert read_plan(path, [*KEY, "--strict"]) == []  # another key: not its plan
    assert read_plan(str(tmp_path / "missing"), KEY) == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text.rsplit("helm", 1)[0],  # cut short: the command's fields missing
        lambda text: "x" + text,  # no count first
        lambda text: text.replace("2", "9"),  # counts past the end
    ],
)
def test_a_damaged_plan_starts_nothing(tmp_path: Path, damage) -> None:
    path = tmp_path / "plan"
    write_plan(str(path), KEY, [(["helm", "template"], {"GOGC": "off", "GOMEMLIMIT": "1"})])
    path.write_text(damage(path.read_text()))
    assert read_plan(str(path), KEY) == []


def test_a_planned_run_gives_what_subprocess_run_gives(tmp_path: Path) -> None:
    script = 'printf "one\\r\\ntwo\\rthree ü"; printf "warn\\n" >&2; exit 3'
    command = [SHELL, "-c", script]
    expected = subprocess.run(command, capture_output=True, text=True)
    head_start = planned(tmp_path, command)
    assert head_start.claim(command, {}, 10) == (3, expected.stdout, expected.stderr)
    assert expected.stdout == "one\ntwo\nthree ü"  # universal newlines, as text mode reads


def test_the_run_starts_when_the_plan_is_read_not_when_claimed(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    command = [SHELL, "-c", f'date +%s%N > "{marker}"']
    head_start = planned(tmp_path, command)
    began = time.time_ns()
    time.sleep(0.3)
    assert head_start.claim(command, {}, 10) == (0, "", "")
    assert int(marker.read_text()) < began + 250_000_000


def test_a_run_is_claimed_only_by_its_exact_command_and_environment(tmp_path: Path) -> None:
    command = [SHELL, "-c", "echo planned"]
    head_start = planned(tmp_path, command, env={"GOGC": "off"})
    assert head_start.claim([SHELL, "-c", "echo other"], {"GOGC": "off"}, 10) is None
    assert head_start.claim(command, {"GOGC": "100"}, 10) is None
    assert head_start.claim(command, {"GOGC": "off"}, 10) == (0, "planned\n", "")
    assert head_start.claim(command, {"GOGC": "off"}, 10) is None  # claimed once


def test_runs_nobody_claims_are_killed_at_the_finish(tmp_path: Path) -> None:
    marker = tmp_path / "finished"
    stale = [SHELL, "-c", f'sleep 0.5; touch "{marker}"']
    head_start = planned(tmp_path, stale)
    (run,) = head_start._started.values()
    head_start.finish()
    with pytest.raises(ChildProcessError):
        os.waitpid(run.pid, os.WNOHANG)  # killed and reaped
    time.sleep(0.7)
    assert not marker.exists()


def test_the_next_plan_holds_what_this_run_asked_for(tmp_path: Path) -> None:
    old, new = [SHELL, "-c", "echo old"], [SHELL, "-c", "echo new"]
    head_start = planned(tmp_path, old)
    assert head_start.claim(new, {}, 10) is None
    head_start.finish()
    assert HeadStart.begin(str(tmp_path), KEY, anything).planned == [(new, {})]


def test_a_plan_starts_only_what_it_is_allowed_to(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    command = [SHELL, "-c", f'touch "{marker}"']
    first = HeadStart.begin(str(tmp_path), KEY, anything)
    assert first.claim(command, {}, 10) is None  # the command would run it itself
    first.finish()  # and it is in the plan
    head_start = HeadStart.begin(str(tmp_path), KEY, lambda command, env: False)
    assert head_start._started == {}
    assert head_start.claim(command, {}, 10) is None
    time.sleep(0.2)
    assert not marker.exists()


def test_a_planned_program_that_is_gone_is_run_by_the_command(tmp_path: Path) -> None:
    program = tmp_path / "helm"
    program.write_text("#!/bin/sh\necho hi\n")
    program.chmod(0o755)
    head_start = planned(tmp_path, [str(program)])
    head_start.finish()
    program.unlink()
    head_start = HeadStart.begin(str(tmp_path), KEY, anything)
    assert head_start._started == {}  # nothing to start: the command runs its own


def test_a_run_past_its_time_limit_is_killed(tmp_path: Path) -> None:
    command = [SHELL, "-c", "sleep 5"]
    head_start = planned(tmp_path, command)
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        head_start.claim(command, {}, 0.2)
    assert time.monotonic() - started < 2


def test_a_run_inherits_no_descriptor_but_its_output(tmp_path: Path) -> None:
    """As subprocess.run (close_fds): an inheritable descriptor of ours is closed in it."""
    read_end, write_end = os.pipe()
    os.set_inheritable(write_end, True)
    lines = ["import os", "try:", f"    os.fstat({write_end})", "    print('open')"]
    probe = "\n".join([*lines, "except OSError:", "    print('closed')"])
    command = [sys.executable, "-c", probe]
    try:
        head_start = planned(tmp_path, command)
        assert head_start.claim(command, {}, 10) == (0, "closed\n", "")
    finally:
        os.close(read_end)
        os.close(write_end)


def test_plans_past_the_limit_go_least_recently_used_first(tmp_path: Path) -> None:
    for index in range(5):
        write_plan(str(tmp_path / f"{index}.plan"), KEY, [(["helm", "template"], {})])
        os.utime(tmp_path / f"{index}.plan", ns=(index * 10**9, index * 10**9))
    os.utime(tmp_path / "0.plan")  # used just now
    prune_plans(str(tmp_path), keep=3)
    assert sorted(p.name for p in tmp_path.glob("*.plan")) == ["0.plan", "3.plan", "4.plan"]


def test_a_used_plan_is_marked_recently_used(tmp_path: Path) -> None:
    command = [SHELL, "-c", "true"]
    planned(tmp_path, command).finish()
    (plan,) = tmp_path.glob("*.plan")
    os.utime(plan, ns=(0, 0))
    HeadStart.begin(str(tmp_path), KEY, anything).finish()
    assert plan.stat().st_mtime > time.time() - 60


def test_a_command_may_plan_fewer_runs_than_there_are_cores(tmp_path: Path) -> None:
    commands = [[SHELL, "-c", f"echo {n}"] for n in range(3)]
    first = HeadStart.begin(str(tmp_path), KEY, anything)
    first.plan_at_most(1)  # render --jobs 1
    for command in commands:
        first.claim(command, {}, 10)
    first.finish()
    assert HeadStart.begin(str(tmp_path), KEY, anything).planned == [(commands[0], {})]


def test_a_run_that_cannot_be_waited_for_is_left_to_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = [SHELL, "-c", "sleep 5"]
    head_start = planned(tmp_path, command)
    (run,) = head_start._started.values()

    def no_descriptor(pid: int) -> int:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(os, "pidfd_open", no_descriptor)
    assert head_start.claim(command, {}, 10) is None
    with pytest.raises(ChildProcessError):
        os.waitpid(run.pid, os.WNOHANG)  # killed and reaped
