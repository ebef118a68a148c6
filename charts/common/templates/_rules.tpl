{{/*
Rules on single values that every chart applies the same way. Each fails rendering with a
message naming the values field, the value and how to fix it (common.fail). The helpers of
the workload model (_pod.tpl, _container.tpl), _global.tpl, _hpa.tpl and _ingress.tpl call
them; a chart calls them for its own fields (a PersistentVolumeClaim's size and class, a
Service's loadBalancerSourceRanges). schemas/ holds the same patterns for editors.
*/}}

{{/* The most replicas a workload or an HPA may have (replicaCount, autoscaling.minReplicas/maxReplicas). */}}
{{- define "common.rules.maxReplicas" -}}200{{- end -}}

{{/*
A replica count within 1..common.rules.maxReplicas.
Usage: include "common.rules.replicas" (dict "value" .Values.replicaCount "field" "replicaCount")
*/}}
{{- define "common.rules.replicas" -}}
{{- $max := include "common.rules.maxReplicas" . | int -}}
{{- if not (regexMatch "^[0-9]+$" (toString .value)) -}}
{{- include "common.fail" (dict "field" .field "message" (printf "%v is not a whole number of pods (1 to %d)" .value $max)) -}}
{{- end -}}
{{- $count := int .value -}}
{{- if or (lt $count 1) (gt $count $max) -}}
{{- include "common.fail" (dict "field" .field "message" (printf "%d is outside 1..%d: a workload runs at least one pod and at most %d (the platform's bound; more pods than that call for a review of the service's sizing)" $count $max $max)) -}}
{{- end -}}
{{- end -}}

{{/*
A DNS name as Kubernetes accepts it for an Ingress host (RFC 1123 subdomain, lower case,
at most 253 characters); a leading "*." wildcard is allowed.
Usage: include "common.rules.hostname" (dict "value" .host "field" "ingress.hosts[0].host")
*/}}
{{- define "common.rules.hostname" -}}
{{- $host := toString .value -}}
{{- $label := "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?" -}}
{{- if or (gt (len $host) 253) (not (regexMatch (printf "^(\\*\\.)?%s(\\.%s)*$" $label $label) $host)) -}}
{{- include "common.fail" (dict "field" .field "message" (printf "%q is not a DNS name: use lower-case letters, digits, \"-\" and \".\" (e.g. api.example.org), optionally starting with \"*.\" for a wildcard (*.example.org); no scheme, port, path or spaces" $host)) -}}
{{- end -}}
{{- end -}}

{{/*
A storage size: a quantity above 0 (e.g. 10Gi).
Usage: include "common.rules.storageSize" (dict "value" .Values.persistence.size "field" "persistence.size")
*/}}
{{- define "common.rules.storageSize" -}}
{{- include "common.quantity.check" (dict "quantity" .value "field" .field) -}}
{{- if not (gt (include "common.quantity.float" .value | float64) 0.0) -}}
{{- include "common.fail" (dict "field" .field "message" (printf "%v must be above 0: give the size to request, e.g. 10Gi" .value)) -}}
{{- end -}}
{{- end -}}

{{/*
A StorageClass name: a DNS subdomain (lower-case letters, digits, "-" and "."). null (the
cluster's default class) and "" (no class: a pre-created PersistentVolume) are allowed.
Usage: include "common.rules.storageClassName" (dict "value" .Values.persistence.storageClassName "field" "persistence.storageClassName")
*/}}
{{- define "common.rules.storageClassName" -}}
{{- if not (kindIs "invalid" .value) -}}
{{- $name := toString .value -}}
{{- $label := "[a-z0-9]([-a-z0-9]*[a-z0-9])?" -}}
{{- if and $name (or (gt (len $name) 253) (not (regexMatch (printf "^%s(\\.%s)*$" $label $label) $name))) -}}
{{- include "common.fail" (dict "field" .field "message" (printf "%q is not a StorageClass name: names are lower-case letters, digits, \"-\" and \".\" (e.g. nfs-client); see kubectl get storageclass. null takes the cluster's default class, \"\" binds a pre-created volume" $name)) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
IPv4 and IPv6 CIDRs (10.0.0.0/8, 2001:db8::/32): octets 0-255, prefix at most 32 (IPv4) or 128 (IPv6).
Usage: include "common.rules.cidrs" (dict "value" .Values.service.loadBalancerSourceRanges "field" "service.loadBalancerSourceRanges")
*/}}
{{- define "common.rules.cidrs" -}}
{{- $field := .field -}}
{{- range $index, $cidr := (.value | default list) -}}
{{- include "common.rules.cidr" (dict "value" $cidr "field" (printf "%s[%d]" $field $index)) -}}
{{- end -}}
{{- end -}}

{{- define "common.rules.cidr" -}}
{{- $cidr := toString .value -}}
{{- $octet := "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])" -}}
{{- $ipv4 := printf "^%s(\\.%s){3}/(3[0-2]|[12]?[0-9])$" $octet $octet -}}
{{- $group := "[0-9a-fA-F]{1,4}" -}}
{{- $ipv6 := printf "^(%s(:%s){7}|((%s)(:%s){0,6})?::((%s)(:%s){0,6})?)/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$" $group $group $group $group $group $group -}}
{{- $valid := or (regexMatch $ipv4 $cidr) (regexMatch $ipv6 $cidr) -}}
{{- if and $valid (contains "::" $cidr) -}}
{{- /* "::" stands for at least one group: at most 7 written groups around it. */ -}}
{{- $written := regexSplit "::" (first (splitList "/" $cidr)) -1 | join ":" | splitList ":" | compact -}}
{{- $valid = le (len $written) 7 -}}
{{- end -}}
{{- if not $valid -}}
{{- include "common.fail" (dict "field" .field "message" (printf "%q is not a CIDR: write an address and a prefix length, e.g. 10.0.0.0/8, 203.0.113.7/32 or 2001:db8::/32 (IPv4 octets 0-255, prefix 0-32; IPv6 prefix 0-128)" $cidr)) -}}
{{- end -}}
{{- end -}}

{{/*
Pod labels a values file may add: not app.kubernetes.io/* or helm.sh/* (the standard labels
selectors rely on), nor any label the chart sets itself ("reserved").
Usage: include "common.rules.podLabels" (dict "labels" .Values.podLabels "field" "podLabels" "reserved" (list "service" "version"))
*/}}
{{- define "common.rules.podLabels" -}}
{{- $reserved := .reserved | default list -}}
{{- range $name, $_ := (.labels | default dict) -}}
{{- if or (hasPrefix "app.kubernetes.io/" $name) (hasPrefix "helm.sh/" $name) (has $name $reserved) -}}
{{- $own := "app.kubernetes.io/* and helm.sh/*" -}}
{{- if $reserved -}}
{{- $own = printf "%s, %s" $own (join ", " $reserved) -}}
{{- end -}}
{{- include "common.fail" (dict "field" (printf "%s.%s" $.field $name) "message" (printf "%q is a label the chart sets itself (%s), which selectors, dashboards or the canary rely on: choose another label name" $name $own)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
