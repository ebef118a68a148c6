{{/*
PrometheusRule (monitoring.coreos.com/v1): one group of alerts, rendered only when the list
of alerts is not empty (a chart leaves out alerts whose metrics it cannot have).
Every alert is labelled severity, service and namespace, plus prometheusRule.alertLabels
(the chart's own labels win), and annotated summary and description, plus runbook_url
"<prometheusRule.runbookUrl>/<alert name in lower case>" when runbookUrl is set.
Usage: include "common.prometheusRule" (dict
  "context" $ "name" $name "component" "" "version" $version
  "prometheusRule" .Values.prometheusRule   {labels, alertLabels, runbookUrl}
  "service" $service                        value of the `service` label of every alert
  "alerts" $alerts)                         list of {alert, expr, for, severity, summary, description, labels}
*/}}
{{- define "common.prometheusRule" -}}
{{- $pr := .prometheusRule -}}
{{- $namespace := include "common.names.namespace" .context -}}
{{- $extra := dict -}}
{{- range $key, $value := ($pr.alertLabels | default dict) -}}
{{- $_ := set $extra $key (toString $value) -}}
{{- end -}}
{{- $rules := list -}}
{{- range $alert := .alerts -}}
{{- $labels := merge (dict "severity" $alert.severity "service" $.service "namespace" $namespace) ($alert.labels | default dict) (deepCopy $extra) -}}
{{- $annotations := dict "summary" $alert.summary "description" $alert.description -}}
{{- with $pr.runbookUrl -}}
{{- $_ := set $annotations "runbook_url" (printf "%s/%s" (trimSuffix "/" .) (lower $alert.alert)) -}}
{{- end -}}
{{- $rule := dict "alert" $alert.alert "expr" $alert.expr "labels" $labels "annotations" $annotations -}}
{{- with $alert.for -}}
{{- $_ := set $rule "for" . -}}
{{- end -}}
{{- $rules = append $rules $rule -}}
{{- end -}}
{{- if $rules -}}
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  {{- include "common.metadata" (dict "context" .context "name" .name "component" .component "version" .version "labels" $pr.labels) | nindent 2 }}
spec:
  groups:
    - name: {{ printf "%s.alerts" .name }}
      rules:
        {{- toYaml $rules | nindent 8 }}
{{- end -}}
{{- end -}}

{{/*
PromQL: an HPA (kube-state-metrics series) running at its maximum replica count.
Usage: include "common.promql.hpaAtMax" (dict "namespace" $ns "hpa" $hpaName)
*/}}
{{- define "common.promql.hpaAtMax" -}}
{{- $selector := printf "namespace=%q,horizontalpodautoscaler=%q" .namespace .hpa -}}
max by (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_current_replicas{ {{- $selector -}} })
  >=
max by (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_max_replicas{ {{- $selector -}} })
{{- end -}}

{{/*
PromQL: the share of requests answered 5xx, from a request counter with a status label.
Empty while there are no 5xx series (no errors) and NaN without traffic: neither fires.
Usage: include "common.promql.errorRatio" (dict "metric" "http_requests_total" "selector" `namespace="x",service="y"` "statusLabel" "status" "window" "5m")
*/}}
{{- define "common.promql.errorRatio" -}}
sum by (namespace, service) (rate({{ .metric }}{ {{- .selector }},{{ .statusLabel }}=~"5.."}[{{ .window }}]))
  /
sum by (namespace, service) (rate({{ .metric }}{ {{- .selector -}} }[{{ .window }}]))
{{- end -}}

{{/*
PromQL: a latency quantile of a Prometheus histogram (<histogram>_bucket series).
Usage: include "common.promql.latencyQuantile" (dict "quantile" 0.95 "histogram" "http_request_duration_seconds" "selector" `service="y"` "window" "5m")
*/}}
{{- define "common.promql.latencyQuantile" -}}
histogram_quantile({{ .quantile }}, sum by (namespace, service, le) (rate({{ .histogram }}_bucket{ {{- .selector -}} }[{{ .window }}])))
{{- end -}}
