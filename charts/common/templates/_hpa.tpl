{{/*
HorizontalPodAutoscaler (autoscaling/v2) for one workload, when its autoscaling is on.
Usage: include "common.hpa" (dict "context" $ "name" $name "component" "" "target" (dict "apiVersion" "apps/v1" "kind" "Deployment" "name" $name) "autoscaling" .Values.autoscaling)
autoscaling: {enabled, minReplicas, maxReplicas, targetCPUUtilizationPercentage,
targetMemoryUtilizationPercentage, behavior}; "field" (default "autoscaling") is its values
path, named in errors (bounds: common.autoscaling.bounds); "namespace" (default: the
release namespace) is the target's namespace.
*/}}
{{- define "common.hpa" -}}
{{- if include "common.autoscaling.enabled" . -}}
{{- $bounds := include "common.autoscaling.bounds" . | fromYaml -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  {{- include "common.metadata" (dict "context" .context "name" .name "component" .component "version" .version "namespace" .namespace) | nindent 2 }}
spec:
  scaleTargetRef:
    apiVersion: {{ .target.apiVersion }}
    kind: {{ .target.kind }}
    name: {{ .target.name }}
  minReplicas: {{ $bounds.min }}
  maxReplicas: {{ $bounds.max }}
  metrics:
    {{- with .autoscaling.targetCPUUtilizationPercentage }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
    {{- with .autoscaling.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
  {{- with .autoscaling.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
{{- end -}}
