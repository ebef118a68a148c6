{{/*
sha256 of a rendered template of the chart, for a pod annotation that rolls the pods
when that template's output changes.
Usage: include "common.checksum" (dict "context" $ "template" "configmap.yaml")
*/}}
{{- define "common.checksum" -}}
{{- include (print .context.Template.BasePath "/" .template) .context | sha256sum -}}
{{- end -}}
