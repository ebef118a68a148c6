{{/*
Security contexts meeting the restricted Pod Security Standard. Values given by a chart
replace the default of the same top-level key (a replaced default is a documented exception).
*/}}

{{/* Usage: include "common.securityContext.pod" (dict "override" .Values.podSecurityContext) */}}
{{- define "common.securityContext.pod" -}}
{{- $context := dict
  "runAsNonRoot" true
  "runAsUser" 1001
  "runAsGroup" 1001
  "fsGroup" 1001
  "fsGroupChangePolicy" "OnRootMismatch"
  "seccompProfile" (dict "type" "RuntimeDefault")
-}}
{{- range $key, $value := (.override | default dict) -}}
{{- $_ := set $context $key $value -}}
{{- end -}}
{{- toYaml $context -}}
{{- end -}}

{{/* Usage: include "common.securityContext.container" (dict "override" .Values.containerSecurityContext) */}}
{{- define "common.securityContext.container" -}}
{{- $context := dict
  "allowPrivilegeEscalation" false
  "privileged" false
  "readOnlyRootFilesystem" true
  "runAsNonRoot" true
  "capabilities" (dict "drop" (list "ALL"))
  "seccompProfile" (dict "type" "RuntimeDefault")
-}}
{{- range $key, $value := (.override | default dict) -}}
{{- $_ := set $context $key $value -}}
{{- end -}}
{{- toYaml $context -}}
{{- end -}}
