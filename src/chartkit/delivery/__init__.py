"""Getting a change to the clusters: which charts and releases it touches, whether each
changed chart raised its version, the chart archives a registry serves, and the Argo CD or
Flux objects that deploy the releases.

- `changes`: changed and affected charts, and the releases to smoke-test;
- `version_bump`: every changed chart's Chart.yaml version above the merge base's, with
  its CHANGELOG.md entry;
- `changelog`: each chart's CHANGELOG.md, metadata and `artifacthub.io/changes` annotation;
- `git`: the git questions they ask (and the repository's remote URL);
- `gitops_plan`: each release of an environment as a GitOps controller deploys it;
- `argocd`: an AppProject and one ApplicationSet per environment;
- `flux`: a Git or OCI source, the namespaces and one HelmRelease per release;
- `chart_archives`: versioned chart archives, the library chart bundled as files;
- `publishing`: pushing them to an OCI registry, never overwriting a published version;
- `rendered_diff`: every affected release rendered at a base commit (`worktree`) and at
  the working tree, compared per object (`object_diff`), with the changes helm cannot
  apply in place (`immutable_fields`), shown by `diff_report`;
- `import_graph`: which chartkit modules import which.

May import: chartkit.tools, chartkit.releases, chartkit.checks, chartkit.sizing.
"""
