"""The external programs chartkit runs, each behind a thin typed wrapper.

- `toolbox`: where the pinned helm and kubectl builds live (ci/tools.json, .tools/);
- `helm`, `kubectl`: one process wrapper each, with timeouts and errors that
  carry the program's own message;
- `durations`: helm's and Prometheus' durations, one parser;
- `readme_generator`: bitnami's readme-generator-for-helm (node_modules/), which writes the
  Parameters table of the chart READMEs.

May import: no other chartkit package.
"""
