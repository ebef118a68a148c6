{{/*
Fail rendering with a message naming the values field, the value found and what is allowed.
Usage: include "common.fail" (dict "field" "worker.autoscaling.maxReplicas" "message" "must be at most 10 with queue.type file")
*/}}
{{- define "common.fail" -}}
{{- fail (printf "\n\nvalues error: %s: %s" .field .message) -}}
{{- end -}}
