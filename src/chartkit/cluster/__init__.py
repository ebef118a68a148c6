"""Everything that talks to a live cluster: the smoke tests and `chartkit verify --server`.

- `choice` (and `kind`): which cluster the smoke tests use, and the kind cluster they make;
- `prereq_config`, `prereq_objects`, `prereqs`: what a smoke cluster needs besides the
  charts, and installing what is absent;
- `smoke`: the smoke session and run; `smoke_upgrade` where a release's run starts when it
  upgrades from the base commit's chart; `release_run` one release's steps, with
  `smoke_canary`, `shared_volume`, `smoke_diagnostics`, and `smoke_config`,
  `smoke_objects`, `smoke_context`, `smoke_results` for what they read and report;
- `rollouts`: Argo Rollouts through its API; `schedule`: namespace groups run in parallel;
- `verify` (with `verify_namespaces`): a server-side dry run of every release against the
  current cluster, the namespaces a release creates itself, and the Pod Security level
  each namespace enforces against what the release's pods need.

May import: chartkit.tools, chartkit.releases, chartkit.checks, chartkit.sizing.
"""
