"""The external programs chartkit runs, each behind a thin typed wrapper, and the file
formats and caches every layer above shares.

- `toolbox`: where the pinned helm and kubectl builds live (ci/tools.json, .tools/);
- `helm`, `kubectl`: one process wrapper each, with timeouts and errors that
  carry the program's own message;
- `durations`: helm's and Prometheus' durations, one parser;
- `readme_generator`: bitnami's readme-generator-for-helm (node_modules/), which writes the
  Parameters table of the chart READMEs;
- `yaml_io`: YAML read and written in bulk through libyaml;
- `disk_cache`: what is slow to derive, kept as JSON in .cache/chartkit/ between runs;
  `answer_store`: the test suite's kept answers of helm and promtool; `cache_files`: where
  the cache is, which install of a file this is, a file written whole (os alone);
- `go_runtime`: the environment of the short Go runs (no garbage collector below a limit);
- `head_start`: programs started from the last run's plan before a command is parsed, each
  used only when the command asks for exactly it;
- `worker_pool`: the threads the renders run on (lighter to load than concurrent.futures).

May import: no other chartkit package.
"""
