"""What the tests share and chartkit itself does not use: promtool and the monitoring
helpers built on it, and small accessors of rendered manifests.

- `promtool`: Prometheus' promtool from Python (check rules, rule unit tests, PromQL parse);
- `monitoring`: Prometheus rules, canary analysis, Grafana dashboards and PromQL of
  rendered releases, the promtool unit tests of the alerts and their numbers;
- `values`: a chart's `.Values` as helm computes them, the expectations of alert tests;
- `dependencies`: the Secrets and Services one release's objects take from another's,
  which helmfile.yaml's `needs:` must cover;
- `manifests`: lookups in rendered objects that only tests make.

Tests import it as `helpers` (pytest puts tests/ on sys.path through tests/conftest.py).
It may import chartkit; chartkit never imports it.
"""
