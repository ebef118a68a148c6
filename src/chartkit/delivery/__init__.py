"""Getting a change to the clusters: which charts and releases it touches, and whether each
changed chart raised its version.

- `changes`: changed and affected charts, and the releases to smoke-test;
- `version_bump`: every changed chart's Chart.yaml version above the merge base's;
- `git`: the git questions they ask;
- `import_graph`: which chartkit modules import which.

May import: chartkit.tools, chartkit.releases, chartkit.checks, chartkit.sizing.
"""
