{{/*
Container env list items.
  env:        map NAME -> plain value (not secret), sorted by name
  secretEnv:  map NAME -> {secretName, key, optional}: valueFrom.secretKeyRef
  extraEnv:   list of raw EnvVar items, appended as given
Usage: include "common.env" (dict "env" .Values.env "secretEnv" .Values.secretEnv "extraEnv" .Values.extraEnv)
*/}}
{{- define "common.env" -}}
{{- range $name, $value := (.env | default dict) }}
- name: {{ $name }}
  value: {{ toString $value | quote }}
{{- end }}
{{- range $name, $ref := (.secretEnv | default dict) }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.secretName }}
      key: {{ $ref.key }}
      {{- if $ref.optional }}
      optional: true
      {{- end }}
{{- end }}
{{- with .extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
