{{/*
ServiceMonitor (monitoring.coreos.com/v1) scraping one named port of the release's Service.
Usage: include "common.serviceMonitor" (dict
  "context" $ "name" $name "component" ""
  "serviceMonitor" .Values.serviceMonitor   {labels, interval, scrapeTimeout, path, scheme, metricRelabelings, relabelings,
                                           sampleLimit, labelLimit, labelNameLengthLimit, labelValueLengthLimit}
  "port" "http"                            named Service port to scrape
  "dropLabels" (list "user_id")            optional: labels removed from every scraped series
  "podTargetLabels" (list "version")       optional: pod labels copied onto every series
  "excludeLabels" (list "x/role")          optional: Services carrying one of these labels are not scraped
                                           (a chart's extra Services in front of the same pods)
)
*/}}
{{- define "common.serviceMonitor" -}}
{{- $sm := .serviceMonitor -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  {{- include "common.metadata" (dict "context" .context "name" .name "component" .component "version" .version "labels" $sm.labels) | nindent 2 }}
spec:
  namespaceSelector:
    matchNames:
      - {{ include "common.names.namespace" .context }}
  selector:
    matchLabels:
      {{- include "common.labels.matchLabels" (dict "context" .context "component" .component) | nindent 6 }}
    {{- with .excludeLabels }}
    matchExpressions:
      {{- range . }}
      - key: {{ . }}
        operator: DoesNotExist
      {{- end }}
    {{- end }}
  {{- with .podTargetLabels }}
  podTargetLabels:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with include "common.monitor.scrapeLimits" (dict "monitor" $sm) | trim }}
  {{- . | nindent 2 }}
  {{- end }}
  endpoints:
    - port: {{ .port }}
      path: {{ $sm.path | default "/metrics" }}
      scheme: {{ $sm.scheme | default "http" }}
      interval: {{ $sm.interval | default "30s" }}
      {{- with $sm.scrapeTimeout }}
      scrapeTimeout: {{ . }}
      {{- end }}
      {{- with $sm.relabelings }}
      relabelings:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if or .dropLabels $sm.metricRelabelings }}
      metricRelabelings:
        {{- if .dropLabels }}
        - action: labeldrop
          regex: {{ printf "^(%s)$" (join "|" .dropLabels) | quote }}
        {{- end }}
        {{- with $sm.metricRelabelings }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
{{- end -}}

{{/*
The per-scrape limits of a ServiceMonitor or PodMonitor spec, from the monitor's values
(schema part schemas/scrapeLimits.json): sampleLimit, labelLimit, labelNameLengthLimit,
labelValueLengthLimit. Prometheus refuses a whole scrape that exceeds one (the target's `up`
is 0 and none of its samples are stored; common.alert.scrapeLimitHit alerts on it); 0 means
no limit. A key left out (null) is not rendered.
Usage: include "common.monitor.scrapeLimits" (dict "monitor" .Values.serviceMonitor)
*/}}
{{- define "common.monitor.scrapeLimits" -}}
{{- $monitor := .monitor -}}
{{- range $key := list "sampleLimit" "labelLimit" "labelNameLengthLimit" "labelValueLengthLimit" }}
{{- $value := get $monitor $key }}
{{- if not (kindIs "invalid" $value) }}
{{ $key }}: {{ int64 $value }}
{{- end }}
{{- end }}
{{- end -}}
