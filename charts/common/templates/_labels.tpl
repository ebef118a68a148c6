{{/*
Labels. Every object carries the standard set; selectors use only matchLabels
(name and instance, plus component in charts with more than one workload).
*/}}

{{/*
A string made safe as a label value: characters outside [-A-Za-z0-9_.] become "-",
cut to 63 and trimmed so it starts and ends with an alphanumeric character.
*/}}
{{- define "common.labels.value" -}}
{{- regexReplaceAll "[^-A-Za-z0-9_.]" (toString .) "-" | trunc 63 | trimAll "-_." -}}
{{- end -}}

{{/*
Standard labels.
Usage: include "common.labels.standard" (dict "context" $ "component" "api" "version" "1.2.3" "extra" .Values.commonLabels)
"component", "version" (default: the chart's appVersion) and "extra" are optional.
*/}}
{{- define "common.labels.standard" -}}
{{- $ctx := .context -}}
{{- $labels := dict
  "app.kubernetes.io/name" (include "common.names.name" $ctx)
  "app.kubernetes.io/instance" (include "common.labels.value" $ctx.Release.Name)
  "app.kubernetes.io/managed-by" $ctx.Release.Service
  "app.kubernetes.io/version" (include "common.labels.value" (default $ctx.Chart.AppVersion .version))
  "helm.sh/chart" (include "common.names.chart" $ctx)
-}}
{{- with .component -}}
{{- $_ := set $labels "app.kubernetes.io/component" . -}}
{{- end -}}
{{- $_ := set $labels "app.kubernetes.io/part-of" (include "common.names.fullname" $ctx) -}}
{{- range $key, $value := (.extra | default dict) -}}
{{- $_ := set $labels $key (toString $value) -}}
{{- end -}}
{{- toYaml $labels -}}
{{- end -}}

{{/*
Selector labels: name and instance, plus component when given.
Usage: include "common.labels.matchLabels" (dict "context" $ "component" "worker")
*/}}
{{- define "common.labels.matchLabels" -}}
app.kubernetes.io/name: {{ include "common.names.name" .context }}
app.kubernetes.io/instance: {{ include "common.labels.value" .context.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end -}}

{{/*
Metadata block for an object: name, namespace and standard labels, plus annotations.
"namespace" (default: the release namespace) places the object elsewhere, e.g. a workload
that runs in a namespace of its own.
Every object's metadata first refuses renamed values keys (common.renamedKeys.check), so
an old key fails with its new name whichever object helm renders first.
Usage: include "common.metadata" (dict "context" $ "name" $name "component" "api" "version" $v "annotations" $a "labels" $extra "namespace" $ns)
*/}}
{{- define "common.metadata" -}}
{{- include "common.renamedKeys.check" .context -}}
name: {{ .name }}
namespace: {{ .namespace | default (include "common.names.namespace" .context) }}
labels:
  {{- include "common.labels.standard" (dict "context" .context "component" .component "version" .version "extra" .labels) | nindent 2 }}
{{- with .annotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
