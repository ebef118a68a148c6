"""What a smoke run reports: each step's outcome, each release's steps, and the error a step
raises when it finds the cluster in a state it should not be in."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class SmokeError(Exception):
    """A smoke step found the cluster in a state it should not be in."""


@dataclass
class StepResult:
    name: str
    ok: bool
    seconds: float
    detail: str = ""


@dataclass
class SmokeResult:
    """One release's smoke steps, and where its diagnostics were saved."""

    release: str
    namespace: str
    steps: list[StepResult] = field(default_factory=list)
    diagnostics: Path | None = None

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)

    def step(self, name: str) -> StepResult | None:
        return next((s for s in self.steps if s.name == name), None)

    def summary(self) -> str:
        lines = [f"{self.release} (namespace {self.namespace}):"]
        for step in self.steps:
            mark = "ok  " if step.ok else "FAIL"
            lines.append(
                f"  {mark} {step.name} ({step.seconds:.1f}s){': ' if step.detail else ''}"
                f"{step.detail}"
            )
        if self.diagnostics:
            lines.append(f"  diagnostics: {self.diagnostics}")
            text = self.diagnostics.read_text() if self.diagnostics.exists() else ""
            tail = text.splitlines()[-60:]
            lines += [f"    {line}" for line in tail]
        return "\n".join(lines)


def first_line(text: str) -> str:
    """The first non-empty line of a step's detail, for a progress line."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[0][:200] if lines else ""
