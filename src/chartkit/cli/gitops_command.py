"""`chartkit gitops argocd|flux`: Argo CD or Flux objects for the releases of helmfile.yaml,
as YAML on stdout or one file per object in --output."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from chartkit.checks.gitops_safety import template_hazards
from chartkit.delivery.argocd import (
    DEFAULT_CLUSTER_LABEL,
    ArgoSettings,
    argocd_objects,
    platform_namespaces,
)
from chartkit.delivery.flux import ROLLOUT_WAITS, SOURCES, FluxSettings, flux_objects
from chartkit.delivery.git import remote_url
from chartkit.delivery.gitops_plan import GitOpsError, check_environment, plan
from chartkit.releases.inventory import load
from chartkit.releases.render import Renderer

DEFAULT_NAME = "chart-suite"
# a label key: an optional DNS-subdomain prefix and /, then a name
_LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)
_SCP_URL = re.compile(r"^(?P<user>[\w.-]+)@(?P<host>[\w.-]+):(?P<path>[^/].*)$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    targets = parser.add_subparsers(dest="target", required=True)
    argocd = targets.add_parser("argocd", help="an AppProject and one ApplicationSet per env")
    _common(argocd)
    argocd.add_argument(
        "--cluster-label",
        default=DEFAULT_CLUSTER_LABEL,
        metavar="KEY[=VALUE]",
        help="cluster Secret label the ApplicationSets select clusters by: KEY=<environment> "
        f"(default key: {DEFAULT_CLUSTER_LABEL}); a fixed VALUE needs --env",
    )
    argocd.add_argument("--repo-url", help="the repository's URL (default: git remote origin)")
    argocd.add_argument("--revision", default="main", help="branch, tag or commit (default main)")
    flux = targets.add_parser("flux", help="a source and one HelmRelease per release")
    _common(flux)
    flux.add_argument("--source", choices=SOURCES, default="git", help="where charts come from")
    flux.add_argument(
        "--url",
        help="git: the repository (default: git remote origin); oci: the registry path the "
        "charts are pushed under, e.g. oci://ghcr.io/acme/charts",
    )
    flux.add_argument("--branch", default="main", help="git: the branch to follow (main)")
    flux.add_argument(
        "--rollout-wait",
        choices=ROLLOUT_WAITS,
        default="poller",
        help="releases with Argo Rollouts: poller with CEL health checks (default) or "
        "Helm's legacy wait (see README)",
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", help="one environment of helmfile.yaml (default: every one)")
    parser.add_argument(
        "--name", default=DEFAULT_NAME, help=f"project and source name ({DEFAULT_NAME})"
    )
    parser.add_argument("--output", type=Path, help="write one file per object here")


def run(args: argparse.Namespace, root: Path) -> int:
    try:
        inventory = load(root)
        environments = [args.env] if args.env else list(inventory.environments)
        for environment in environments:
            check_environment(inventory, environment)
        argo = args.target == "argocd"
        settings = argo_settings(args, root) if argo else flux_settings(args, root)
        refuse_hazards(root)
        renderer = Renderer(root)
        plans = [plan(inventory, renderer, environment) for environment in environments]
        if isinstance(settings, ArgoSettings):
            namespaces = {p.environment: platform_namespaces(settings, p) for p in plans}
            write(
                {"": argocd_objects(settings, plans), **{e: n for e, n in namespaces.items() if n}},
                args.output,
            )
        else:
            write({p.environment: flux_objects(settings, p, root) for p in plans}, args.output)
    except GitOpsError as error:
        print(f"chartkit gitops: {error}", file=sys.stderr)
        return 2
    return 0


def refuse_hazards(root: Path) -> None:
    hazards = template_hazards(root)
    if hazards:
        lines = "\n  ".join(map(str, hazards))
        raise GitOpsError(f"the charts are not safe to deploy from Git:\n  {lines}")


def argo_settings(args: argparse.Namespace, root: Path) -> ArgoSettings:
    key, _, value = args.cluster_label.partition("=")
    if not _LABEL_KEY.match(key):
        raise GitOpsError(f"--cluster-label {args.cluster_label!r}: {key!r} is no label key")
    if value and not args.env:
        raise GitOpsError(
            f"--cluster-label {args.cluster_label!r}: a fixed value would select the same "
            "clusters for every environment; add --env, or give the key alone"
        )
    return ArgoSettings(
        name=args.name,
        repo_url=args.repo_url or _origin(root, "--repo-url"),
        revision=args.revision,
        cluster_label=key,
        cluster_label_value=value or None,
    )


def flux_settings(args: argparse.Namespace, root: Path) -> FluxSettings:
    if args.source == "oci" and not (args.url or "").startswith("oci://"):
        raise GitOpsError(
            f"--source oci needs --url oci://<registry>/<path> (the charts' OCI repository), "
            f"got {args.url!r}"
        )
    url = args.url or _origin(root, "--url")
    if args.source == "git":
        url = git_url(url)
    return FluxSettings(args.name, args.source, url, args.branch, args.rollout_wait)


def git_url(url: str) -> str:
    """A git URL as Flux takes it: http(s):// or ssh:// (git@host:path becomes ssh://)."""
    scp = _SCP_URL.match(url)
    if scp:
        return f"ssh://{scp['user']}@{scp['host']}/{scp['path']}"
    if not re.match(r"^(https?|ssh)://", url):
        raise GitOpsError(f"--url {url!r}: Flux reads git over https://, http:// or ssh://")
    return url


def _origin(root: Path, option: str) -> str:
    url = remote_url(root)
    if not url:
        raise GitOpsError(f"the repository has no git remote origin: pass {option} URL")
    return url


# -- output --------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (a templatePatch, a .gitignore) as literal blocks."""


def _string(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _string)
HEADER = "# Generated by `chartkit gitops` from helmfile.yaml: edit that file, not this one.\n"


def dump(obj: dict[str, Any]) -> str:
    return yaml.dump(obj, Dumper=_Dumper, sort_keys=False, width=100)


def write(groups: dict[str, list[dict[str, Any]]], output: Path | None) -> None:
    """Objects by environment ("" when not split by environment): to stdout, or one file per
    object under output/<environment>/."""
    if output is None:
        text = []
        for environment, objects in groups.items():
            if environment:
                text.append(f"# environment {environment}\n")
            text += [f"---\n{dump(obj)}" for obj in objects]
        sys.stdout.write(HEADER + "".join(text))
        return
    for environment, objects in groups.items():
        directory = output / environment if environment else output
        directory.mkdir(parents=True, exist_ok=True)
        for obj in objects:
            name = f"{obj['kind'].lower()}-{obj['metadata']['name']}.yaml"
            (directory / name).write_text(HEADER + dump(obj))
        print(f"wrote {len(objects)} objects to {directory}", file=sys.stderr)
