{{/*
Chart-local helpers of r-analytics. Names, labels and the building blocks come from the
common library chart; these only gather this chart's arguments in one place.
*/}}

{{/* The version label of every object: the image tag that runs (default appVersion). */}}
{{- define "r-analytics.version" -}}
{{- include "common.image.version" (dict "context" . "image" .Values.image) -}}
{{- end -}}

{{/* Name of the ExternalSecret and of the Secret it creates. */}}
{{- define "r-analytics.externalSecretName" -}}
{{- printf "%s-credentials" (include "common.names.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Name of the Secret the pod reads the internal token from. */}}
{{- define "r-analytics.tokenSecretName" -}}
{{- if .Values.externalSecret.enabled -}}
{{- include "r-analytics.externalSecretName" . -}}
{{- else -}}
{{- .Values.existingSecret -}}
{{- end -}}
{{- end -}}

{{/*
Cross-field rules JSON schema cannot express. Included by deployment.yaml, so every
render checks them.
*/}}
{{- define "r-analytics.validate" -}}
{{- $external := .Values.externalSecret.enabled -}}
{{- $existing := .Values.existingSecret -}}
{{- if and $external $existing -}}
{{- include "common.fail" (dict "field" "externalSecret.enabled, existingSecret" "message" (printf "both are set (externalSecret.enabled=true, existingSecret=%q): the token needs exactly one source; set externalSecret.enabled=false to use existingSecret, or existingSecret=\"\" to use the ExternalSecret" $existing)) -}}
{{- end -}}
{{- if and (not $external) (not $existing) -}}
{{- include "common.fail" (dict "field" "externalSecret.enabled, existingSecret" "message" "neither is set: the token needs exactly one source; set externalSecret.enabled=true (External Secrets Operator) or existingSecret=<name of a Secret holding the token>") -}}
{{- end -}}
{{- if hasKey (.Values.env | default dict) "R_ANALYTICS_INTERNAL_TOKEN" -}}
{{- include "common.fail" (dict "field" "env.R_ANALYTICS_INTERNAL_TOKEN" "message" "the token is never a value: it is read from the Secret (externalSecret or existingSecret, key tokenKey)") -}}
{{- end -}}
{{- range .Values.extraEnv -}}
{{- if eq (toString .name) "R_ANALYTICS_INTERNAL_TOKEN" -}}
{{- include "common.fail" (dict "field" "extraEnv" "message" "R_ANALYTICS_INTERNAL_TOKEN is set by the chart from the Secret (externalSecret or existingSecret, key tokenKey)") -}}
{{- end -}}
{{- end -}}
{{- range $key := list "app.kubernetes.io/name" "app.kubernetes.io/instance" -}}
{{- if hasKey ($.Values.podLabels | default dict) $key -}}
{{- include "common.fail" (dict "field" (printf "podLabels.%s" $key) "message" "is a selector label set by the chart; use nameOverride/fullnameOverride or another label") -}}
{{- end -}}
{{- end -}}
{{- $min := int .Values.autoscaling.minReplicas -}}
{{- $max := int .Values.autoscaling.maxReplicas -}}
{{- if gt $min $max -}}
{{- include "common.fail" (dict "field" "autoscaling.minReplicas, autoscaling.maxReplicas" "message" (printf "minReplicas (%d) is above maxReplicas (%d): minReplicas must be at most maxReplicas" $min $max)) -}}
{{- end -}}
{{- end -}}
