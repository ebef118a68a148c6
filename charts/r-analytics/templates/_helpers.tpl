{{/*
Chart-local helpers of r-analytics. The pod template, names, labels, security contexts,
resources, probes and scheduling come from the common library chart's workload model; these
only say what is r-analytics' own: the internal token and where it comes from.
*/}}

{{/* The version label of every object: the image tag that runs (default appVersion). */}}
{{- define "r-analytics.version" -}}
{{- include "common.image.version" (dict "context" . "image" .Values.image) -}}
{{- end -}}

{{/* The port the Plumber API listens on: containerPorts.http (the Service's target). */}}
{{- define "r-analytics.port" -}}
{{- $port := (.Values.containerPorts | default dict).http -}}
{{- if not $port -}}
{{- include "common.fail" (dict "field" "containerPorts.http" "message" "is required: the port the Plumber API listens on (8010), which the Service, the probes and the NetworkPolicy use") -}}
{{- end -}}
{{- int $port -}}
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
The chart's own env item of the container: R_ANALYTICS_INTERNAL_TOKEN from the token Secret.
Its source names the values that decide it, so setting the variable again in env or
extraEnv is refused naming both places (common.container.env).
*/}}
{{- define "r-analytics.tokenEnv" -}}
{{- $secret := include "r-analytics.tokenSecretName" . -}}
name: R_ANALYTICS_INTERNAL_TOKEN
valueFrom:
  secretKeyRef:
    name: {{ $secret }}
    key: {{ .Values.tokenKey }}
source: {{ printf "the chart (the internal token, from Secret %s key %s: externalSecret or existingSecret, and tokenKey)" $secret .Values.tokenKey | quote }}
{{- end -}}

{{/*
Cross-field rules of r-analytics' own values (the workload model checks the rest while it
renders the pod). Included by deployment.yaml, so every render checks them.
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
{{- $_ := include "r-analytics.port" . -}}
{{- end -}}
