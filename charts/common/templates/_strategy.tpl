{{/*
A Deployment's `strategy` from updateStrategy, in Kubernetes' shape:
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge, maxUnavailable}}  or  {type: Recreate}
maxSurge and maxUnavailable may not both be 0 (the rollout could never move).
Usage: include "common.updateStrategy" (dict "updateStrategy" .Values.updateStrategy "field" "updateStrategy")
*/}}
{{- define "common.updateStrategy" -}}
{{- $field := .field | default "updateStrategy" -}}
{{- $strategy := .updateStrategy | default dict -}}
{{- $type := $strategy.type | default "RollingUpdate" -}}
type: {{ $type }}
{{- if eq $type "RollingUpdate" }}
{{- with include "common.updateStrategy.rollingUpdate" . }}
rollingUpdate:
  {{- . | nindent 2 }}
{{- end }}
{{- else if ne $type "Recreate" }}
{{- include "common.fail" (dict "field" (printf "%s.type" $field) "message" (printf "%q is not an update strategy: RollingUpdate (replace pods a few at a time) or Recreate (stop every old pod before the new ones start)" $type)) }}
{{- end }}
{{- end -}}

{{/*
updateStrategy.rollingUpdate as YAML {maxSurge, maxUnavailable} (the keys given), checked;
a Rollout's canary takes the same two settings.
Usage: include "common.updateStrategy.rollingUpdate" (dict "updateStrategy" .Values.updateStrategy "field" "updateStrategy") | fromYaml
*/}}
{{- define "common.updateStrategy.rollingUpdate" -}}
{{- $field := .field | default "updateStrategy" -}}
{{- $rolling := (.updateStrategy | default dict).rollingUpdate | default dict -}}
{{- $zero := list "0" "0%" -}}
{{- if and (hasKey $rolling "maxSurge") (hasKey $rolling "maxUnavailable") (has (toString $rolling.maxSurge) $zero) (has (toString $rolling.maxUnavailable) $zero) -}}
{{- include "common.fail" (dict "field" (printf "%s.rollingUpdate" $field) "message" "maxSurge and maxUnavailable are both 0: an update could neither add a pod nor take one down; raise one of them (maxSurge: 1 keeps full capacity)") -}}
{{- end -}}
{{- with $rolling -}}
{{- toYaml . -}}
{{- end -}}
{{- end -}}
