{{/*
Image reference "[registry/]repository:tag", or "[registry/]repository@digest" when a digest
is given. The tag defaults to the chart's appVersion; "latest" is refused.
image: {registry, repository, tag, digest, pullPolicy}
Usage: include "common.image" (dict "context" $ "image" .Values.image "field" "image")
*/}}
{{- define "common.image" -}}
{{- $field := .field | default "image" -}}
{{- $image := .image | default dict -}}
{{- if not $image.repository -}}
{{- include "common.fail" (dict "field" (printf "%s.repository" $field) "message" "is required (the image to run, without tag)") -}}
{{- end -}}
{{- $tag := toString ($image.tag | default .context.Chart.AppVersion) -}}
{{- if eq (lower $tag) "latest" -}}
{{- include "common.fail" (dict "field" (printf "%s.tag" $field) "message" (printf "%q is not allowed: \"latest\" moves without a deploy, so the same release can run different code on different nodes and a rollback changes nothing. Pin a version tag (e.g. %s.tag: \"1.4.2\") or a digest (%s.digest: sha256:...)" $tag $field $field)) -}}
{{- end -}}
{{- $repository := $image.repository -}}
{{- with $image.registry -}}
{{- $repository = printf "%s/%s" (trimSuffix "/" .) $repository -}}
{{- end -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The version an image runs, for the app.kubernetes.io/version label. */}}
{{- define "common.image.version" -}}
{{- toString (.image.tag | default .context.Chart.AppVersion) -}}
{{- end -}}

{{/*
imagePullSecrets list items from a list of Secret names (or {name} items).
Usage: include "common.imagePullSecrets" (dict "secrets" .Values.imagePullSecrets)
*/}}
{{- define "common.imagePullSecrets" -}}
{{- range .secrets }}
{{- if kindIs "map" . }}
- name: {{ .name }}
{{- else }}
- name: {{ . }}
{{- end }}
{{- end -}}
{{- end -}}
