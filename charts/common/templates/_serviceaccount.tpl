{{/*
ServiceAccount, with the API token not mounted unless serviceAccount.automountToken is true.
serviceAccount: {create, name, annotations, automountToken}
Usage: include "common.serviceAccount" (dict "context" $ "name" $name "component" "" "serviceAccount" .Values.serviceAccount)
*/}}
{{- define "common.serviceAccount" -}}
{{- if .serviceAccount.create -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  {{- include "common.metadata" (dict "context" .context "name" (include "common.serviceAccount.name" .) "component" .component "version" .version "annotations" .serviceAccount.annotations) | nindent 2 }}
automountServiceAccountToken: {{ .serviceAccount.automountToken | default false }}
{{- end -}}
{{- end -}}

{{/* The ServiceAccount a pod runs as. Same arguments as common.serviceAccount. */}}
{{- define "common.serviceAccount.name" -}}
{{- if .serviceAccount.create -}}
{{- .serviceAccount.name | default .name -}}
{{- else -}}
{{- .serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}
