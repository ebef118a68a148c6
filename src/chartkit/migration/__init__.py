"""Values files moved onto a chart's current keys, as its renamed-keys.yaml says.

- `schema_paths`: dotted values paths split into keys, with the chart's values schema
  telling keys that hold a dot (nvidia.com/gpu) from nested ones;
- `table`: a chart's renamed-keys.yaml read into entries, with the notes migration acts on
  (a value's new shape, a key kept only in one mode);
- `document`: a values file as a YAML round trip that keeps its comments, key order and
  style, with the edits a rename needs;
- `rewrite`: one values file migrated: each change made, and each one left for a hand edit
  with the line it is on.

May import: chartkit.tools, chartkit.releases, chartkit.checks, chartkit.sizing.
"""
