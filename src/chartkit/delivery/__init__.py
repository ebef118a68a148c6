"""Getting a change to the clusters: which charts and releases it touches, whether each
changed chart raised its version, and the Argo CD or Flux objects that deploy the releases.

- `changes`: changed and affected charts, and the releases to smoke-test;
- `version_bump`: every changed chart's Chart.yaml version above the merge base's;
- `git`: the git questions they ask (and the repository's remote URL);
- `gitops_plan`: each release of an environment as a GitOps controller deploys it;
- `argocd`: an AppProject and one ApplicationSet per environment;
- `flux`: a Git or OCI source, the namespaces and one HelmRelease per release;
- `import_graph`: which chartkit modules import which.

May import: chartkit.tools, chartkit.releases, chartkit.checks, chartkit.sizing.
"""
