"""Argo Rollouts canary analysis: the queries of AnalysisTemplates with `{{args.x}}` filled
in the way Argo Rollouts does, from a template's defaults and what a canary step passes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from chartkit.releases.manifest import Object, describe
from helpers.promtool import Expression

_ARG = re.compile(r"\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}")


def analysis_template_args(template: Object) -> dict[str, str | None]:
    """The template's arguments and their default values (None: no default)."""
    args: dict[str, str | None] = {}
    for arg in (template.get("spec") or {}).get("args") or []:
        args[arg["name"]] = arg.get("value")
    return args


def analysis_step_args(rollout: Object, template_name: str) -> list[dict[str, str]]:
    """The arguments each canary analysis step running `template_name` passes, one dict per
    step (steps pass their own `args` list of {name, value})."""
    found = []
    canary = ((rollout.get("spec") or {}).get("strategy") or {}).get("canary") or {}
    for step in canary.get("steps") or []:
        analysis = step.get("analysis")
        if not analysis:
            continue
        names = [t.get("templateName") for t in analysis.get("templates") or []]
        if template_name not in names:
            continue
        args = {}
        for arg in analysis.get("args") or []:
            if "value" not in arg:
                raise ValueError(
                    f"{describe(rollout)}: analysis argument {arg.get('name')} has no plain "
                    "value (valueFrom is not supported here)"
                )
            args[arg["name"]] = str(arg["value"])
        found.append(args)
    return found


def resolve_args(template: Object, passed: Mapping[str, str]) -> dict[str, str]:
    """The values an AnalysisRun gets: what the step passes over the template's defaults."""
    resolved: dict[str, str] = {}
    for name, default in analysis_template_args(template).items():
        value = passed.get(name, default)
        if value is None:
            raise ValueError(f"{describe(template)}: argument {name} has no value")
        resolved[name] = value
    unknown = set(passed) - set(resolved)
    if unknown:
        raise ValueError(f"{describe(template)}: arguments not declared: {sorted(unknown)}")
    return resolved


def substitute_args(text: str, args: Mapping[str, str]) -> str:
    """Replace every `{{args.name}}` the way Argo Rollouts does; a missing one is an error."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in args:
            raise ValueError(f"{{{{args.{name}}}}} has no value (known: {sorted(args)})")
        return args[name]

    result = _ARG.sub(replace, text)
    if "{{" in result:
        raise ValueError(f"unresolved template syntax left in: {result}")
    return result


def analysis_queries(template: Object, args: Mapping[str, str] | None = None) -> dict[str, str]:
    """Prometheus queries of an AnalysisTemplate by metric name, arguments substituted.
    Without `args`, each argument takes its default or, lacking one, its own name."""
    if args is None:
        args = {n: v if v is not None else n for n, v in analysis_template_args(template).items()}
    queries = {}
    for metric in (template.get("spec") or {}).get("metrics") or []:
        prometheus = (metric.get("provider") or {}).get("prometheus")
        if prometheus and "query" in prometheus:
            queries[metric["name"]] = substitute_args(str(prometheus["query"]), args)
    return queries


def analysis_expressions(objects: Iterable[Object]) -> list[Expression]:
    found = []
    for obj in objects:
        if obj.get("kind") in ("AnalysisTemplate", "ClusterAnalysisTemplate"):
            for metric, query in analysis_queries(obj).items():
                found.append(Expression(f"{describe(obj)} metric {metric}", query))
    return found
