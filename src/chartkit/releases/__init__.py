"""The releases of this repository and what they render to.

- `inventory`: helmfile.yaml's releases, their needs, the environments and their overlays
  (`repository_root`: the directory holding helmfile.yaml, found with os alone);
- `helmfile`: helmfile.yaml's parts and environments, read by helmfile v1's rules;
- `needs`: `needs:` checked (no unknown release, no cycle) and the install order;
- `render`: the cached renderer (`helm template` with a pinned helm, as the platform would);
- `manifest`: the rendered objects of one release, and accessors for pod specs;
- `yaml_file`: one values file read with its keys written twice, errors in one line;
- `values`: values as helm reads them, printed by helm (a chart printing `.Values`);
- `value_paths`: dotted paths into values, `*` standing for every key of a map;
- `crds`: the upstream CRDs in ci/crds (the renderer passes their API versions to helm).

May import: chartkit.tools.
"""
