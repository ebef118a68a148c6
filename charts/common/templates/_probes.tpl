{{/*
An HTTP probe on a named port.
Usage: include "common.probe.http" (dict "path" "/health" "port" "http" "settings" .Values.probes.liveness)
"settings" holds the timing fields (initialDelaySeconds, periodSeconds, timeoutSeconds,
successThreshold, failureThreshold), passed through as given.
*/}}
{{- define "common.probe.http" -}}
httpGet:
  path: {{ .path }}
  port: {{ .port }}
{{- with .settings }}
{{ toYaml (omit . "enabled" "path") }}
{{- end }}
{{- end -}}
