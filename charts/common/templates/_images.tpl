{{/*
Image reference "repository:tag", or "repository@digest" when a digest is given.
The tag defaults to the chart's appVersion; "latest" is refused.
Usage: include "common.image" (dict "context" $ "image" .Values.image "field" "image")
*/}}
{{- define "common.image" -}}
{{- $field := .field | default "image" -}}
{{- if not .image.repository -}}
{{- include "common.fail" (dict "field" (printf "%s.repository" $field) "message" "is required (the image to run, without tag)") -}}
{{- end -}}
{{- $tag := toString (.image.tag | default .context.Chart.AppVersion) -}}
{{- if eq $tag "latest" -}}
{{- include "common.fail" (dict "field" (printf "%s.tag" $field) "message" "\"latest\" is not allowed: pin a version tag or a digest") -}}
{{- end -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The version an image runs, for the app.kubernetes.io/version label. */}}
{{- define "common.image.version" -}}
{{- toString (.image.tag | default .context.Chart.AppVersion) -}}
{{- end -}}

{{/*
imagePullSecrets list items from a list of names.
Usage: include "common.imagePullSecrets" (dict "secrets" .Values.imagePullSecrets)
*/}}
{{- define "common.imagePullSecrets" -}}
{{- range .secrets }}
- name: {{ . }}
{{- end -}}
{{- end -}}
