{{/*
Environment overlays (values/env/dev.yaml, values/env/prod.yaml) speak to every chart through
`global`, which Helm hands to each chart. The keys, all optional (schema: charts/common/global.schema.json):

  global.environment         informative name of the overlay ("dev", "prod")
  global.replicaCount        replaces each workload's replicaCount (singleton workloads stay at 1)
  global.minReplicas         floor for replicas and for HPA minReplicas (singletons exempt)
  global.autoscaling         true/false forces every HPA on or off; unset keeps the chart's value
  global.requestsPercent     scales every container's requests (not limits) to this percentage
  global.podAntiAffinity     soft|hard: spread pods across nodes where the chart leaves it unset
  global.zoneSpread          true: spread pods across zones where the chart leaves it unset
  global.prometheusRules     true/false forces PrometheusRules on or off
  global.canaryPause         replaces the duration of every timed canary pause (charts with canaries)
*/}}

{{/*
Effective replica count of a workload.
Usage: include "common.replicas.count" (dict "context" $ "replicaCount" .Values.replicaCount "singleton" false)
*/}}
{{- define "common.replicas.count" -}}
{{- $global := .context.Values.global | default dict -}}
{{- $count := int .replicaCount -}}
{{- if not (kindIs "invalid" $global.replicaCount) -}}
{{- $count = int $global.replicaCount -}}
{{- end -}}
{{- if .singleton -}}
{{- $count = min $count 1 -}}
{{- else if not (kindIs "invalid" $global.minReplicas) -}}
{{- $count = max $count (int $global.minReplicas) -}}
{{- end -}}
{{- $count -}}
{{- end -}}

{{/*
Whether a workload's HPA is on: "true" or "".
Usage: include "common.autoscaling.enabled" (dict "context" $ "autoscaling" .Values.autoscaling)
*/}}
{{- define "common.autoscaling.enabled" -}}
{{- $global := .context.Values.global | default dict -}}
{{- $enabled := (.autoscaling | default dict).enabled -}}
{{- if kindIs "bool" $global.autoscaling -}}
{{- $enabled = $global.autoscaling -}}
{{- end -}}
{{- if $enabled -}}true{{- end -}}
{{- end -}}

{{/*
Effective HPA bounds as YAML {min, max}: global.minReplicas raises the minimum, and the
maximum is never below the minimum.
Usage: include "common.autoscaling.bounds" (dict "context" $ "autoscaling" .Values.autoscaling) | fromYaml
*/}}
{{- define "common.autoscaling.bounds" -}}
{{- $global := .context.Values.global | default dict -}}
{{- $min := int (.autoscaling.minReplicas | default 1) -}}
{{- if not (kindIs "invalid" $global.minReplicas) -}}
{{- $min = max $min (int $global.minReplicas) -}}
{{- end -}}
{{- $max := max (int .autoscaling.maxReplicas) $min -}}
min: {{ $min }}
max: {{ $max }}
{{- end -}}

{{/*
The `replicas:` line of a workload spec, or nothing when an HPA owns the count.
Usage: include "common.replicas" (dict "context" $ "replicaCount" .Values.replicaCount "autoscaling" .Values.autoscaling "singleton" false)
*/}}
{{- define "common.replicas" -}}
{{- if not (include "common.autoscaling.enabled" .) -}}
replicas: {{ include "common.replicas.count" . }}
{{- end -}}
{{- end -}}

{{/*
The lowest number of pods the workload runs with: HPA minimum, or its replica count.
Usage: include "common.replicas.floor" (dict "context" $ "replicaCount" .Values.replicaCount "autoscaling" .Values.autoscaling "singleton" false)
*/}}
{{- define "common.replicas.floor" -}}
{{- if include "common.autoscaling.enabled" . -}}
{{- (include "common.autoscaling.bounds" . | fromYaml).min -}}
{{- else -}}
{{- include "common.replicas.count" . -}}
{{- end -}}
{{- end -}}

{{/*
Whether PrometheusRules render: global.prometheusRules when it is a bool, else the chart's value.
Usage: include "common.prometheusRules.enabled" (dict "context" $ "enabled" .Values.prometheusRule.enabled)
*/}}
{{- define "common.prometheusRules.enabled" -}}
{{- $global := .context.Values.global | default dict -}}
{{- $enabled := .enabled -}}
{{- if kindIs "bool" $global.prometheusRules -}}
{{- $enabled = $global.prometheusRules -}}
{{- end -}}
{{- if $enabled -}}true{{- end -}}
{{- end -}}
