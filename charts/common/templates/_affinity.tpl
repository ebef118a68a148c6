{{/*
Scheduling: pod anti-affinity across nodes and topology spread across zones.

podAntiAffinity: "soft" (preferred), "hard" (required: one pod per node), "none", or ""
to take global.podAntiAffinity (unset means none). A chart's own `affinity` dict, when
not empty, is used as given instead.
Usage: include "common.affinity" (dict "context" $ "component" "" "podAntiAffinity" .Values.podAntiAffinityPreset "affinity" .Values.affinity "field" "podAntiAffinityPreset")
*/}}
{{- define "common.affinity" -}}
{{- if .affinity -}}
{{- toYaml .affinity -}}
{{- else -}}
{{- $global := .context.Values.global | default dict -}}
{{- $mode := .podAntiAffinity | default $global.podAntiAffinity | default "none" -}}
{{- $term := dict "topologyKey" "kubernetes.io/hostname" "labelSelector" (dict "matchLabels" (include "common.labels.matchLabels" (dict "context" .context "component" .component) | fromYaml)) -}}
{{- if eq $mode "soft" -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        {{- toYaml $term | nindent 8 }}
{{- else if eq $mode "hard" -}}
podAntiAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    - {{- toYaml $term | nindent 6 }}
{{- else if ne $mode "none" -}}
{{- include "common.fail" (dict "field" (.field | default "podAntiAffinity") "message" (printf "%q is not one of soft, hard, none" $mode)) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Zone topology spread (maxSkew 1, ScheduleAnyway so a zone outage never blocks scheduling).
zoneSpread: true/false, or null to take global.zoneSpread.
Usage: include "common.topologySpread" (dict "context" $ "component" "" "zoneSpread" .Values.zoneSpread "constraints" .Values.topologySpreadConstraints)
*/}}
{{- define "common.topologySpread" -}}
{{- $global := .context.Values.global | default dict -}}
{{- $zones := .zoneSpread -}}
{{- if kindIs "invalid" $zones -}}
{{- $zones = $global.zoneSpread -}}
{{- end -}}
{{- if $zones }}
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "common.labels.matchLabels" (dict "context" .context "component" .component) | nindent 6 }}
{{- end }}
{{- with .constraints }}
{{ toYaml . }}
{{- end }}
{{- end -}}
