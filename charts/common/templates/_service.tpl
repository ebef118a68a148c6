{{/*
One Service of a workload: its metadata (common.metadata), a selector of the workload's
matchLabels and TCP ports by name.
Usage: include "common.service" (dict "context" $ "name" $name "component" "api"
         "version" $v "labels" $extra "annotations" $a
         "type" "LoadBalancer" "loadBalancerClass" $c "externalTrafficPolicy" "Local"
         "loadBalancerSourceRanges" $ranges
         "ports" (list (dict "name" "http" "port" 80 "targetPort" "http")))
"component" (also in the selector, unless "selectorComponent" names the pods' own), "version", "labels", "annotations", "type" (default
ClusterIP) and the load-balancer fields are optional. A check of the source ranges stays
with the chart (common.rules.cidrs), so it holds whether or not the Service renders.
*/}}
{{- define "common.service" -}}
apiVersion: v1
kind: Service
metadata:
  {{- include "common.metadata" (dict "context" .context "name" .name "component" .component "version" .version "labels" .labels "annotations" .annotations) | nindent 2 }}
spec:
  type: {{ .type | default "ClusterIP" }}
  {{- with .loadBalancerClass }}
  loadBalancerClass: {{ . }}
  {{- end }}
  {{- with .externalTrafficPolicy }}
  externalTrafficPolicy: {{ . }}
  {{- end }}
  {{- with .loadBalancerSourceRanges }}
  loadBalancerSourceRanges:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  selector:
    {{- include "common.labels.matchLabels" (dict "context" .context "component" (.selectorComponent | default .component)) | nindent 4 }}
  ports:
    {{- range .ports }}
    - name: {{ .name }}
      port: {{ .port }}
      targetPort: {{ .targetPort }}
      protocol: TCP
    {{- end }}
{{- end -}}
