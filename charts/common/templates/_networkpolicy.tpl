{{/*
NetworkPolicy egress rule allowing DNS to the cluster resolver (kube-system, UDP and TCP 53).
*/}}
{{- define "common.networkPolicy.dnsEgress" -}}
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
  ports:
    - protocol: UDP
      port: 53
    - protocol: TCP
      port: 53
{{- end -}}

{{/*
A NetworkPolicy peer list from {namespaces: [...], podLabels: {...}} entries:
each entry selects pods by labels within namespaces by name (either may be omitted).
Usage: include "common.networkPolicy.peers" (dict "peers" .Values.networkPolicy.ingressFrom)
*/}}
{{- define "common.networkPolicy.peers" -}}
{{- range .peers }}
- {{- if .namespace }}
  namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ .namespace }}
  {{- end }}
  {{- if .podLabels }}
  podSelector:
    matchLabels:
      {{- toYaml .podLabels | nindent 6 }}
  {{- end }}
{{- end }}
{{- end -}}
