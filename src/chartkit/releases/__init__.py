"""The releases of this repository and what they render to.

- `inventory`: helmfile.yaml's releases and the environment overlays in values/env;
- `render`: the cached renderer (`helm template` with a pinned helm, as the platform would);
- `manifest`: the rendered objects of one release, and accessors for pod specs;
- `crds`: the upstream CRDs in ci/crds (the renderer passes their API versions to helm).

May import: chartkit.tools.
"""
