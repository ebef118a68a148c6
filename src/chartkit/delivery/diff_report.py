"""How `chartkit diff` shows a rendered diff: as text for a terminal or a job log, and as
Markdown for a GitHub job summary (a table, then the diff fenced and cut to a size a
summary can hold)."""

from __future__ import annotations

from collections.abc import Sequence

from chartkit.delivery.object_diff import CHART_LABEL
from chartkit.delivery.rendered_diff import ReleaseDiff

SUMMARY_LIMIT = 60_000  # characters of diff in a job summary (GitHub takes 1 MiB a step)


def label(diff: ReleaseDiff) -> str:
    return f"{diff.target.release} ({diff.target.environment})"


def versions(diff: ReleaseDiff) -> str:
    before, after = diff.base.version, diff.head.version
    chart = diff.head.chart or diff.base.chart
    if before == after or before is None or after is None:
        return f"chart {chart} {after or before}"
    return f"chart {chart} {before} -> {after}"


def summary_line(diff: ReleaseDiff) -> str:
    if diff.head.error:
        return f"{label(diff)}: does not render"
    if not diff.changes:
        return f"{label(diff)}: no change ({versions(diff)})"
    counts = diff.counts
    text = f"{label(diff)}: {counts['added']} added, {counts['removed']} removed, "
    text += f"{counts['changed']} changed"
    only_label = sum(1 for c in diff.changes if c.chart_label_only)
    if only_label:
        text += f" ({only_label} only in {CHART_LABEL})"
    immutable = diff.immutable()
    if immutable:
        state = "allowed by the major version" if diff.major_bump else "NOT APPLICABLE IN PLACE"
        text += f"; {len(immutable)} immutable field change(s), {state}"
    return f"{text} ({versions(diff)})"


def release_lines(diff: ReleaseDiff) -> list[str]:
    namespace = diff.namespace
    lines = [f"=== {summary_line(diff)}"]
    if diff.head.error:
        return [*lines, f"  {diff.head.problem}"]
    if diff.base.problem:
        lines.append(f"  base: {diff.base.problem}; every object counts as added")
    if diff.head.problem:
        lines.append(f"  head: {diff.head.problem}; every object counts as removed")
    for change in diff.changes:
        if not change.chart_label_only:
            lines += change.diff
    only_label = [c.key.label(namespace) for c in diff.changes if c.chart_label_only]
    if only_label:
        lines.append(f"  only {CHART_LABEL} changed: {', '.join(only_label)}")
    for change, field_change in diff.immutable():
        where = f"{change.key.label(namespace)} {field_change.field}"
        if diff.major_bump:
            lines.append(
                f"  note: {where} cannot change in place; allowed because the chart's major "
                f"version went up ({versions(diff)}): its upgrade notes must say what to "
                f"delete first ({field_change.why})"
            )
        else:
            lines.append(f"  IMMUTABLE: {where}: {field_change.why}")
    return lines


def text_report(diffs: Sequence[ReleaseDiff], base: str) -> list[str]:
    if not diffs:
        return [f"no change: nothing the releases render from changed since {base[:12]}"]
    lines = [line for diff in diffs for line in release_lines(diff)]
    changed = sum(1 for d in diffs if d.changes or d.head.error)
    lines.append(
        f"{len(diffs)} release render(s) affected since {base[:12]}: {changed} with changes, "
        f"{len(diffs) - changed} unchanged"
    )
    return lines


def fenced(text: str, language: str) -> str:
    """A fenced block longer than any backtick run inside it."""
    longest = max((len(run) for run in text.split("\n") if set(run) == {"`"}), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def cut(lines: Sequence[str], limit: int) -> tuple[str, int]:
    """The lines that fit in limit characters, and how many were left out."""
    kept, size = [], 0
    for line in lines:
        if size + len(line) + 1 > limit:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept), len(lines) - len(kept)


def markdown_summary(diffs: Sequence[ReleaseDiff], base: str, limit: int = SUMMARY_LIMIT) -> str:
    parts = [f"## Rendered diff against {base[:12]}", ""]
    if not diffs:
        return "\n".join([*parts, text_report(diffs, base)[0], ""])
    parts += [
        "| release | environment | added | removed | changed | note |",
        "|---|---|---|---|---|---|",
    ]
    for diff in diffs:
        counts = diff.counts
        note = "does not render" if diff.head.error else ""
        if diff.immutable():
            note = "immutable fields (major version)" if diff.major_bump else "**immutable fields**"
        parts.append(
            f"| {diff.target.release} | {diff.target.environment} | {counts['added']} | "
            f"{counts['removed']} | {counts['changed']} | {note} |"
        )
    text, left = cut(text_report(diffs, base), limit)
    parts += ["", fenced(text, "diff")]
    if left:
        parts.append(f"\n{left} more line(s) not shown: the job log has the whole diff.")
    return "\n".join([*parts, ""])
