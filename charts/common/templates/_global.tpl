{{/*
Environment overlays (values/env/dev.yaml, values/env/prod.yaml) speak to every chart through
`global`, which Helm hands to each chart. The keys, all optional (schema: charts/common/schemas/global.json):

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
Effective replica count of a workload: replicaCount, replaced by global.replicaCount and
raised to global.minReplicas (a singleton stays at one pod). replicaCount,
global.replicaCount and global.minReplicas must be within 1..common.rules.maxReplicas.
Usage: include "common.replicas.count" (dict "context" $ "replicaCount" .Values.replicaCount "singleton" false "field" "replicaCount")
"field" (default "replicaCount") is the values path named in errors, e.g. "worker.replicaCount".
*/}}
{{- define "common.replicas.count" -}}
{{- $global := .context.Values.global | default dict -}}
{{- $count := int .replicaCount -}}
{{- if not (kindIs "invalid" $global.replicaCount) -}}
{{- include "common.rules.replicas" (dict "value" $global.replicaCount "field" "global.replicaCount") -}}
{{- $count = int $global.replicaCount -}}
{{- end -}}
{{- if .singleton -}}
{{- $count = min $count 1 -}}
{{- else if not (kindIs "invalid" $global.minReplicas) -}}
{{- include "common.rules.replicas" (dict "value" $global.minReplicas "field" "global.minReplicas") -}}
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
Effective HPA bounds as YAML {min, max}: global.minReplicas raises the minimum. Both bounds
must be within 1..common.rules.maxReplicas and the minimum at or below the maximum: a
minimum above the maximum (given, or raised by global.minReplicas) is refused, never
silently widened.
Usage: include "common.autoscaling.bounds" (dict "context" $ "autoscaling" .Values.autoscaling "field" "autoscaling") | fromYaml
"field" (default "autoscaling") is the values path named in errors, e.g. "worker.autoscaling".
*/}}
{{- define "common.autoscaling.bounds" -}}
{{- $field := .field | default "autoscaling" -}}
{{- $global := .context.Values.global | default dict -}}
{{- $given := .autoscaling.minReplicas -}}
{{- if kindIs "invalid" $given -}}
{{- $given = 1 -}}
{{- end -}}
{{- include "common.rules.replicas" (dict "value" $given "field" (printf "%s.minReplicas" $field)) -}}
{{- include "common.rules.replicas" (dict "value" .autoscaling.maxReplicas "field" (printf "%s.maxReplicas" $field)) -}}
{{- $min := int $given -}}
{{- $max := int .autoscaling.maxReplicas -}}
{{- if gt $min $max -}}
{{- include "common.fail" (dict "field" (printf "%s.minReplicas" $field) "message" (printf "%d is above %s.maxReplicas (%d): the HPA's minimum must be at or below its maximum; lower minReplicas or raise maxReplicas" $min $field $max)) -}}
{{- end -}}
{{- if not (kindIs "invalid" $global.minReplicas) -}}
{{- if gt (int $global.minReplicas) $max -}}
{{- include "common.fail" (dict "field" "global.minReplicas" "message" (printf "%d (from the environment overlay) is above %s.maxReplicas (%d): raise %s.maxReplicas to at least %d for this environment" (int $global.minReplicas) $field $max $field (int $global.minReplicas))) -}}
{{- end -}}
{{- $min = max $min (int $global.minReplicas) -}}
{{- end -}}
min: {{ $min }}
max: {{ $max }}
{{- end -}}

{{/*
The `replicas:` line of a workload spec, or nothing when an HPA owns the count.
replicaCount must be within 1..common.rules.maxReplicas.
Usage: include "common.replicas" (dict "context" $ "replicaCount" .Values.replicaCount "autoscaling" .Values.autoscaling "singleton" false "field" "")
"field": the workload's values path ("" at the top level, "worker" for worker.replicaCount).
*/}}
{{- define "common.replicas" -}}
{{- $prefix := ternary (printf "%s." .field) "" (not (empty .field)) -}}
{{- include "common.rules.replicas" (dict "value" .replicaCount "field" (printf "%sreplicaCount" $prefix)) -}}
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
