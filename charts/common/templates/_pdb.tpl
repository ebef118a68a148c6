{{/*
PodDisruptionBudget that keeps all but one pod up during voluntary disruptions and never
blocks a node drain: maxUnavailable 1, and unhealthy pods may always be evicted.
Rendered when pdb.enabled is true, or when it is null ("auto") and the workload runs at
least two pods (replicas, or HPA minimum). With fewer than two pods it is never rendered:
a budget over a single pod would block every drain.
Usage: include "common.pdb" (dict "context" $ "name" $name "component" "" "pdb" .Values.pdb "replicaCount" .Values.replicaCount "autoscaling" .Values.autoscaling "singleton" false)
"namespace" (default: the release namespace) is the namespace of the pods it covers.
*/}}
{{- define "common.pdb" -}}
{{- $floor := include "common.replicas.floor" . | int -}}
{{- $enabled := .pdb.enabled -}}
{{- if kindIs "invalid" $enabled -}}
{{- $enabled = true -}}
{{- end -}}
{{- if and $enabled (ge $floor 2) -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  {{- include "common.metadata" (dict "context" .context "name" .name "component" .component "version" .version "namespace" .namespace) | nindent 2 }}
spec:
  maxUnavailable: {{ .pdb.maxUnavailable | default 1 }}
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "common.labels.matchLabels" (dict "context" .context "component" .component) | nindent 6 }}
{{- end -}}
{{- end -}}
