{{/*
ServiceMonitor (monitoring.coreos.com/v1) scraping one named port of the release's Service.
Usage: include "common.serviceMonitor" (dict
  "context" $ "name" $name "component" ""
  "serviceMonitor" .Values.serviceMonitor   {labels, interval, scrapeTimeout, path, scheme, metricRelabelings, relabelings}
  "port" "http"                            named Service port to scrape
  "dropLabels" (list "user_id")            optional: labels removed from every scraped series
  "podTargetLabels" (list "version")       optional: pod labels copied onto every series
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
  {{- with .podTargetLabels }}
  podTargetLabels:
    {{- toYaml . | nindent 4 }}
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
