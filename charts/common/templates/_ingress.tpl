{{/*
Ingress (networking.k8s.io/v1) routing hosts to one Service port.
ingress: {className, annotations, hosts: [{host, paths: [{path, pathType}]}], tls: [{hosts, secretName}]}
A host without paths gets "/" Prefix.
Usage: include "common.ingress" (dict "context" $ "name" $name "component" "" "ingress" .Values.ingress "serviceName" $svc "servicePort" "http")
*/}}
{{- define "common.ingress" -}}
{{- $root := . -}}
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
