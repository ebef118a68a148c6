{{/*
Ingress (networking.k8s.io/v1) routing hosts to one Service port.
ingress: {className, annotations, hosts: [{host, paths: [{path, pathType}]}], tls: [{hosts, secretName}]}
A host without paths gets "/" Prefix. At least one host is required, and every host (rules
and TLS) must be a DNS name (common.rules.hostname; "*.example.org" wildcards allowed).
Usage: include "common.ingress" (dict "context" $ "name" $name "component" "" "ingress" .Values.ingress "serviceName" $svc "servicePort" "http" "field" "ingress")
"field" (default "ingress") is the values path named in errors.
*/}}
{{- define "common.ingress" -}}
{{- $root := . -}}
{{- $field := .field | default "ingress" -}}
{{- if not .ingress.hosts -}}
{{- include "common.fail" (dict "field" (printf "%s.hosts" $field) "message" (printf "is empty while %s.enabled is true: give at least one {host: api.example.org}" $field)) -}}
{{- end -}}
{{- range $index, $entry := .ingress.hosts -}}
{{- include "common.rules.hostname" (dict "value" $entry.host "field" (printf "%s.hosts[%d].host" $field $index)) -}}
{{- end -}}
{{- range $index, $tls := (.ingress.tls | default list) -}}
{{- range $hostIndex, $host := ($tls.hosts | default list) -}}
{{- include "common.rules.hostname" (dict "value" $host "field" (printf "%s.tls[%d].hosts[%d]" $field $index $hostIndex)) -}}
{{- end -}}
{{- end -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  {{- include "common.metadata" (dict "context" .context "name" .name "component" .component "version" .version "annotations" .ingress.annotations) | nindent 2 }}
spec:
  {{- with .ingress.className }}
  ingressClassName: {{ . }}
  {{- end }}
  {{- with .ingress.tls }}
  tls:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  rules:
    {{- range .ingress.hosts }}
    - host: {{ .host | quote }}
      http:
        paths:
          {{- range (.paths | default (list (dict "path" "/" "pathType" "Prefix"))) }}
          - path: {{ .path }}
            pathType: {{ .pathType | default "Prefix" }}
            backend:
              service:
                name: {{ $root.serviceName }}
                port:
                  {{- if kindIs "string" $root.servicePort }}
                  name: {{ $root.servicePort }}
                  {{- else }}
                  number: {{ $root.servicePort }}
                  {{- end }}
          {{- end }}
    {{- end }}
{{- end -}}
