"""What makes a release acceptable, checked without a cluster.

- `values_files`: each values file on its own against its chart's values.schema.json, and
  helm's refusal of it, one line per problem: `schema_errors` (a schema error as lines a
  user can act on), `key_suggestions` (the valid key nearest an unknown one),
  `helm_refusals` (helm's error text read per field), `redaction` (no secret value printed);
- `values_schema`: that values.schema.json, assembled from the chart's source and the
  shared parts in charts/common/schemas/ (`chartkit schema`);
- `schema` (with `crd_schema`, `schema_sources`, `schema_fast` and `schema_units`): every
  rendered object strictly against the Kubernetes schemas and, for custom resources, the
  upstream CRDs (jsonschema-rs says whether an object is valid, from a core kind's
  self-contained unit; jsonschema lists the problems);
- `policy`: the platform's policy rules, in groups, with per-object exemptions;
- `podsecurity`: the Pod Security Standard level a release's pods need;
- `gitops_safety`: template functions that make a chart unsafe to deploy from Git (lookup,
  random and time values, install/upgrade branches);
- `release`: one release checked end to end (values files, render, schemas, policy);
- `canary_weights`: the share of requests each step of a Rollout without a traffic router
  really gets, and the warnings `chartkit render` prints (problems with `--strict`).

May import: chartkit.tools, chartkit.releases.
"""
