{{/*
Container resources. Every quantity must be a Kubernetes quantity, and each request must be
at or below its limit (cpu, memory, nvidia.com/gpu and any other resource given in both).
Requests are then scaled by global.requestsPercent (dev overlays use it to pack small
clusters); limits are left as written.
Usage: include "common.resources" (dict "context" $ "resources" .Values.resources "field" "resources")
"field" (default "resources") is the values path named in errors, e.g. "worker.resources".
*/}}
{{- define "common.resources" -}}
{{- $field := .field | default "resources" -}}
{{- $resources := deepCopy (.resources | default dict) -}}
{{- range $kind := list "requests" "limits" -}}
{{- range $name, $quantity := (get $resources $kind | default dict) -}}
{{- include "common.quantity.check" (dict "quantity" $quantity "field" (printf "%s.%s.%s" $field $kind $name)) -}}
{{- end -}}
{{- end -}}
{{- $limits := $resources.limits | default dict -}}
{{- range $name, $request := ($resources.requests | default dict) -}}
{{- if hasKey $limits $name -}}
{{- $limit := get $limits $name -}}
{{- $requested := include "common.quantity.float" $request | float64 -}}
{{- $allowed := include "common.quantity.float" $limit | float64 -}}
{{- if gt $requested (mulf $allowed 1.000000001) -}}
{{- include "common.fail" (dict "field" (printf "%s.requests.%s" $field $name) "message" (printf "%v is above %s.limits.%s (%v): a container cannot request more than its limit; lower the request or raise the limit" $request $field $name $limit)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $percent := (.context.Values.global | default dict).requestsPercent -}}
{{- if and (not (kindIs "invalid" $percent)) (lt (int $percent) 100) $resources.requests -}}
{{- $scaled := dict -}}
{{- range $name, $quantity := $resources.requests -}}
{{- if eq $name "cpu" -}}
{{- $_ := set $scaled $name (include "common.quantity.scaleCpu" (dict "quantity" $quantity "percent" $percent)) -}}
{{- else if eq $name "memory" -}}
{{- $_ := set $scaled $name (include "common.quantity.scaleMemory" (dict "quantity" $quantity "percent" $percent)) -}}
{{- else -}}
{{- $_ := set $scaled $name $quantity -}}
{{- end -}}
{{- end -}}
{{- $_ := set $resources "requests" $scaled -}}
{{- end -}}
{{- toYaml $resources -}}
{{- end -}}
