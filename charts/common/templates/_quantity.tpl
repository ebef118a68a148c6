{{/*
Kubernetes resource quantities (resource.Quantity): a number, optionally with one suffix:
Ki Mi Gi Ti Pi Ei (powers of 1024), n u m k M G T P E (powers of 1000) or an exponent
e<N>. "2GB", "8gb" and "1.2.3" are not quantities. schemas/quantity.json carries the same
pattern for editors and `helm`'s schema check.
*/}}

{{/* The pattern every quantity must match (no sign: requests, limits and sizes are never negative). */}}
{{- define "common.quantity.pattern" -}}
^([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$
{{- end -}}

{{/*
Fail unless the value is a quantity.
Usage: include "common.quantity.check" (dict "quantity" "512Mi" "field" "resources.limits.memory")
*/}}
{{- define "common.quantity.check" -}}
{{- $q := toString .quantity -}}
{{- if not (regexMatch (include "common.quantity.pattern" .) $q) -}}
{{- include "common.fail" (dict "field" .field "message" (printf "%q is not a Kubernetes quantity: write a number with at most one unit, Ki, Mi, Gi, Ti (powers of 1024) or k, M, G, T (powers of 1000), m for thousandths of a CPU; e.g. 250m, 0.5, 512Mi, 2Gi" $q)) -}}
{{- end -}}
{{- end -}}

{{/*
A quantity as a float64 in base units (cores, bytes, devices). The value must be a quantity
(common.quantity.check).
Usage: include "common.quantity.float" "1.5Gi" | float64
*/}}
{{- define "common.quantity.float" -}}
{{- $q := toString . -}}
{{- $number := regexFind "^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)" $q -}}
{{- $suffix := trimPrefix $number $q -}}
{{- $value := float64 $number -}}
{{- $units := dict
  "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0
  "n" 1e-9 "u" 1e-6 "m" 1e-3 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18
-}}
{{- if hasKey $units $suffix -}}
{{- $value = mulf $value (get $units $suffix) -}}
{{- else if $suffix -}}
{{- $exponent := int (trimPrefix "+" (substr 1 (len $suffix) $suffix)) -}}
{{- range until (int (max $exponent (sub 0 $exponent))) -}}
{{- $value = ternary (mulf $value 10) (divf $value 10) (gt $exponent 0) -}}
{{- end -}}
{{- end -}}
{{- $value -}}
{{- end -}}

{{/* CPU quantity ("250m", "1", "0.5") to millicores, as an integer. */}}
{{- define "common.quantity.cpuMillis" -}}
{{- include "common.quantity.check" (dict "quantity" . "field" "resources") -}}
{{- round (mulf (include "common.quantity.float" . | float64) 1000) 6 | ceil | int64 -}}
{{- end -}}

{{/* Memory quantity ("128Mi", "2Gi", "512M", "1000000") to bytes, as an integer. */}}
{{- define "common.quantity.memoryBytes" -}}
{{- include "common.quantity.check" (dict "quantity" . "field" "resources") -}}
{{- round (include "common.quantity.float" . | float64) 6 | ceil | int64 -}}
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
