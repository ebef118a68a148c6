"""The releases of this repository and what they render to.

- `inventory`: helmfile.yaml's releases, their needs, the environments and their overlays;
- `helmfile`: helmfile.yaml's parts and environments, read by helmfile v1's rules;
- `needs`: `needs:` checked (no unknown release, no cycle) and the install order;
- `dependencies`: the Secrets and Services one release's objects need from another's;
- `render`: the cached renderer (`helm template` with a pinned helm, as the platform would);
- `manifest`: the rendered objects of one release, and accessors for pod specs;
- `values`: the values a chart renders with, merged the way helm coalesces them;
- `crds`: the upstream CRDs in ci/crds (the renderer passes their API versions to helm).

May import: chartkit.tools.
"""
