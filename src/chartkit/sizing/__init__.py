"""How much the releases ask of a cluster, and whether it fits.

- `quantity`: Kubernetes resource quantities, parsed and formatted;
- `amount`: amounts of CPU, memory, GPUs and pod slots, and requests and limits made of
  them (all resource arithmetic and its two output forms);
- `workloads`: each rendered workload's requests and limits, replicas and HPA maximum;
- `nodes`: the node profiles of ci/nodes.yaml; `pods`: the pods a release runs;
  `placement`: first-fit placement of pods on nodes;
- `capacity`: demand per release and per namespace, placed on given nodes;
- `plan`: the plan of an ECP AI tenant (replicas, totals, quota, cost, nodes).

May import: chartkit.tools, chartkit.releases, chartkit.checks.
"""
