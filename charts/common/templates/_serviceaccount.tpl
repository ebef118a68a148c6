{{/*
ServiceAccount, with the API token not mounted unless serviceAccount.automountServiceAccountToken
is true.
serviceAccount: {create, name, annotations, automountServiceAccountToken}
(charts not yet on the workload model still say automountToken; both are read.)
Usage: include "common.serviceAccount" (dict "context" $ "name" $name "component" "" "serviceAccount" .Values.serviceAccount)
"namespace" (default: the release namespace) is the namespace of the pods that run as it.
*/}}
{{- define "common.serviceAccount" -}}
{{- if .serviceAccount.create -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  {{- include "common.metadata" (dict "context" .context "name" (include "common.serviceAccount.name" .) "component" .component "version" .version "annotations" .serviceAccount.annotations "namespace" .namespace) | nindent 2 }}
automountServiceAccountToken: {{ include "common.serviceAccount.automount" .serviceAccount }}
{{- end -}}
{{- end -}}

{{/* The ServiceAccount a pod runs as. Same arguments as common.serviceAccount. */}}
{{- define "common.serviceAccount.name" -}}
{{- if .serviceAccount.create -}}
{{- .serviceAccount.name | default .name -}}
{{- end -}}
{{- if not .serviceAccount.create -}}
{{- .serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/* "true" or "false": whether pods mount the API token. Usage: include "common.serviceAccount.automount" .Values.serviceAccount */}}
{{- define "common.serviceAccount.automount" -}}
{{- if hasKey . "automountServiceAccountToken" -}}
{{- .automountServiceAccountToken | default false -}}
{{- else -}}
{{- .automountToken | default false -}}
{{- end -}}
{{- end -}}
