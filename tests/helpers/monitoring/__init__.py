"""Monitoring as rendered, for the tests: Prometheus rules, canary analysis and Grafana
dashboards, and the promtool unit tests of the alerts.

- `rules`: the rule file of a release's PrometheusRules and its alerting rules;
- `analysis`: Argo Rollouts AnalysisTemplates, their queries with the canary's arguments;
- `grafana`: dashboard queries with Grafana's variables filled in;
- `expressions`: every PromQL expression of a release, for promtool to parse;
- `rule_tests`: promtool unit-test files kept as templates, filled in and run, and
  `AlertTests`, which runs one chart's alert tests and checks that a `Typo` in a rule fails
  its test;
- `alert_series`: when an alert pends and fires, and series numbers around its
  thresholds;
- `scrape_jobs`: the job label the Prometheus operator gives a monitor's targets.
"""
