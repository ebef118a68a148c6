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

{{/*
Alert: Prometheus refused the scrapes of one of a monitor's targets. A target over its
sampleLimit, or with a series over labelLimit, labelNameLengthLimit or
labelValueLengthLimit (common.monitor.scrapeLimits), still answers and is parsed
(scrape_samples_scraped > 0), but Prometheus drops the whole scrape and reports `up` 0: none
of its metrics are stored, so the alerts on them go blind. An unreachable target has
scrape_samples_scraped 0 and does not fire this (a target-down alert's job).
The series are selected by `namespace` and `job`, which the Prometheus operator sets on every
target: a ServiceMonitor's job is the scraped Service's name, a PodMonitor's
"<namespace>/<PodMonitor name>" (neither sets jobLabel here). Their own Prometheus counters
(prometheus_target_scrapes_exceeded_sample_limit_total,
prometheus_target_scrape_pool_exceeded_label_limits_total) carry no job or target label and
cannot say whose scrape it was.
Returns the alert as YAML, for common.prometheusRule's list of alerts (fromYaml).
Usage: include "common.alert.scrapeLimitHit" (dict
  "alert" "ApiScrapeLimitHit" "namespace" $ns "job" $job "target" "the Service x" "for" "5m" "severity" "warning"
  "monitor" .Values.serviceMonitor)        its sampleLimit, labelLimit, label length limits, named in the description
*/}}
{{- define "common.alert.scrapeLimitHit" -}}
{{- $selector := printf "namespace=%q,job=%q" .namespace .job -}}
{{- $limits := list -}}
{{- range $key := list "sampleLimit" "labelLimit" "labelNameLengthLimit" "labelValueLengthLimit" -}}
{{- $value := get $.monitor $key -}}
{{- if and (not (kindIs "invalid" $value)) (gt (int64 $value) 0) -}}
{{- $limits = append $limits (printf "%s %d" $key (int64 $value)) -}}
{{- end -}}
{{- end -}}
{{- $limitText := "its scrape limits" -}}
{{- with $limits -}}
{{- $limitText = printf "its scrape limits (%s)" (join ", " .) -}}
{{- end -}}
{{- toYaml (dict
      "alert" .alert
      "expr" (printf "scrape_samples_scraped{%s} > 0\n  and\nup{%s} == 0" $selector $selector)
      "for" .for
      "severity" .severity
      "summary" (printf "Prometheus refuses the scrapes of {{ $labels.instance }} (%s, namespace %s)" .target .namespace)
      "description" (printf "Target {{ $labels.instance }} (pod {{ $labels.pod }}) of %s in namespace %s answers its scrapes, but Prometheus has refused every one for %s: it exceeds %s or exposes malformed samples, so none of its metrics are stored and the alerts on them cannot fire. Its scrape error is on the Prometheus targets page (job %s); scrape_samples_post_metric_relabeling shows its sample count. Drop the new series or labels (metricRelabelings, or fix the app), or raise the limit that is hit." .target .namespace .for $limitText .job)) -}}
{{- end -}}
