{{/*
Container resources. Requests are scaled by global.requestsPercent (dev overlays use it to
pack small clusters); limits are left as written.
Usage: include "common.resources" (dict "context" $ "resources" .Values.resources)
*/}}
{{- define "common.resources" -}}
{{- $resources := deepCopy (.resources | default dict) -}}
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

{{/* CPU quantity ("250m", "1", "0.5") to millicores, as an integer. */}}
{{- define "common.quantity.cpuMillis" -}}
{{- $q := toString . -}}
{{- if hasSuffix "m" $q -}}
{{- trimSuffix "m" $q | int64 -}}
{{- else -}}
{{- mulf (float64 $q) 1000 | floor | int64 -}}
{{- end -}}
{{- end -}}

{{/* Memory quantity ("128Mi", "2Gi", "512M", "1000000") to bytes, as an integer. */}}
{{- define "common.quantity.memoryBytes" -}}
{{- $q := toString . -}}
{{- $units := dict "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 -}}
{{- $suffix := regexFind "[A-Za-z]+$" $q -}}
{{- $number := trimSuffix $suffix $q -}}
{{- if and $suffix (not (hasKey $units $suffix)) -}}
{{- include "common.fail" (dict "field" "resources" "message" (printf "memory quantity %q: unit must be one of Ki, Mi, Gi, Ti, k, M, G, T" $q)) -}}
{{- end -}}
{{- mulf (float64 $number) (float64 (get $units $suffix | default 1)) | floor | int64 -}}
{{- end -}}

{{- define "common.quantity.scaleCpu" -}}
{{- $millis := include "common.quantity.cpuMillis" .quantity | int64 -}}
{{- printf "%dm" (max 1 (div (mul $millis (int64 .percent)) 100)) -}}
{{- end -}}

{{- define "common.quantity.scaleMemory" -}}
{{- $bytes := include "common.quantity.memoryBytes" .quantity | int64 -}}
{{- $mebibytes := div (mul (div $bytes 1024) (int64 .percent)) 102400 -}}
{{- printf "%dMi" (max 1 $mebibytes) -}}
{{- end -}}
