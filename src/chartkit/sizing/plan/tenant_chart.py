"""The chart a tenant plan renders, and the names the plan reads from its objects."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TenantChart:
    chart: str  # under charts/
    namespace: str  # release namespace of a values file that helmfile.yaml does not deploy
    sizing_key: str  # key of the sizing record in the ConfigMap <release>-sizing
    service_label: str  # label on the Deployment of each service


ECP_TENANT = TenantChart(
    chart="ecp-tenant",
    namespace="ecp-tenants",
    sizing_key="sizing.json",
    service_label="ecp.ai/service",
)
