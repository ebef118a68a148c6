"""chartkit: render, validate, police and smoke-test this repository's Helm releases.

Its packages, in layers; a module imports from its own package and from the layers before
its own only (tests/test_architecture.py checks it):

1. tools        the helm, kubectl and readme-generator wrappers, durations; the pinned toolbox
2. releases     the inventory, the cached renderer, rendered manifests, CRDs
3. checks       values files, schemas, policy rules, Pod Security, the end-to-end check
4. sizing       quantities, resources, node profiles, placement, capacity, tenant plans
5. cluster      the smoke tests and `verify --server`, against a live cluster
   delivery     the charts and releases a change touches, chart version bumps
   migration    values files moved onto a chart's current keys (renamed-keys.yaml)
6. cli          the command line
"""

__version__ = "0.1.0"
