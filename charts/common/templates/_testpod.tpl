{{/*
`helm test` hook: a restricted pod that GETs a URL and fails unless the answer is 2xx. Its
container goes through common.container like every other (image rules, restricted
securityContext, resource checks).
Usage: include "common.testPod" (dict "context" $ "name" $name "url" "http://svc:80/health" "image" .Values.tests.image "resources" .Values.tests.resources "field" "tests")
*/}}
{{- define "common.testPod" -}}
{{- /* Its own name label, so the release's Services and PDBs never select the test pod. */ -}}
{{- $labels := include "common.testPod.matchLabels" . | fromYaml -}}
apiVersion: v1
kind: Pod
metadata:
  {{- include "common.metadata" (dict "context" .context "name" .name "component" "test" "labels" $labels "annotations" (dict "helm.sh/hook" "test" "helm.sh/hook-delete-policy" "before-hook-creation,hook-succeeded")) | nindent 2 }}
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  securityContext:
    {{- include "common.securityContext.pod" (dict) | nindent 4 }}
  containers:
    {{- $args := list "--fail" "--silent" "--show-error" "--max-time" "10" "--retry" "5" "--retry-connrefused" "--retry-delay" "2" .url }}
    - {{ include "common.container" (dict "context" .context "name" "http-get" "field" (.field | default "tests") "values" (dict "image" .image "command" (list "curl") "args" $args "resources" .resources)) | indent 6 | trim }}
{{- end -}}


{{/*
Labels that select the release's test pod (for a NetworkPolicy peer, say). They differ
from the workloads' matchLabels in the name label, so no Service or PDB selects it.
Usage: include "common.testPod.matchLabels" (dict "context" $)
*/}}
{{- define "common.testPod.matchLabels" -}}
app.kubernetes.io/name: {{ printf "%s-test" (include "common.names.name" .context) | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ include "common.labels.value" .context.Release.Name }}
app.kubernetes.io/component: test
{{- end -}}
