"""The plan of an ECP AI tenant (`chartkit plan values/tenants/<tenant>.yaml`).

The values file is rendered with the tenant chart (`tenant_chart`: which chart, which
namespace outside helmfile.yaml, and the names the plan reads from the rendered objects),
and the plan is read from the rendered objects only (`build`): replicas and per-replica
requests and limits from each service's Deployment, sessions, the preset's quota and the
price table from the tenant's sizing ConfigMap. `cost` prices the requests; `model` holds
the plan and its JSON.

May import: chartkit.tools, chartkit.releases, chartkit.checks, the rest of chartkit.sizing.
"""
