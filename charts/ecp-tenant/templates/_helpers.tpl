{{/*
Chart-local helpers of the ecp-tenant chart.
*/}}

{{/* The tenant's namespace: "ecp-ai-<tenant.id>". */}}
{{- define "ecp-tenant.namespace" -}}
{{- printf "ecp-ai-%s" .Values.tenant.id -}}
{{- end -}}

{{/*
The context the library helpers get: the chart's own, except that
- Release.Namespace is the tenant namespace, so common.metadata (and with it common.pdb,
  common.serviceAccount and common.testPod) puts every object there, and
- global.replicaCount and global.autoscaling are left out: replicas follow the contracted
  sessions and there is no HPA, so an overlay cannot shrink a tenant below its contract.
Usage: {{- $ctx := dict -}}{{- include "ecp-tenant.context" (dict "context" . "out" $ctx) -}}
*/}}
{{- define "ecp-tenant.context" -}}
{{- $root := .context -}}
{{- $global := omit ($root.Values.global | default dict) "replicaCount" "autoscaling" -}}
{{- $_ := set .out "Values" (set (deepCopy $root.Values) "global" $global) -}}
{{- $_ := set .out "Release" (set (deepCopy $root.Release) "Namespace" (include "ecp-tenant.namespace" $root)) -}}
{{- $_ := set .out "Chart" $root.Chart -}}
{{- $_ := set .out "Capabilities" $root.Capabilities -}}
{{- $_ := set .out "Template" $root.Template -}}
{{- end -}}

{{/*
The tenant's preset (presets.<tenant.preset>) as YAML; fails naming tenant.preset when there
is no such preset. Every template that reads the preset goes through it, so the error is the
same whichever template helm renders first.
Usage: include "ecp-tenant.preset" . | fromYaml
*/}}
{{- define "ecp-tenant.preset" -}}
{{- $presets := .Values.presets | default dict -}}
{{- if not (hasKey $presets .Values.tenant.preset) -}}
{{- include "common.fail" (dict "field" "tenant.preset" "message" (printf "%q is not a preset (presets: %s)" .Values.tenant.preset (keys $presets | sortAlpha | join ", "))) -}}
{{- end -}}
{{- toYaml (get $presets .Values.tenant.preset) -}}
{{- end -}}

{{/* Labels of the objects of one service: the tenant and the service. */}}
{{- define "ecp-tenant.serviceLabels" -}}
ecp.ai/tenant: {{ .context.Values.tenant.id }}
ecp.ai/service: {{ .service }}
{{- end -}}

{{/* Memory in bytes, printed as Gi or Mi when it is a whole number of them. */}}
{{- define "ecp-tenant.formatMemory" -}}
{{- $bytes := int64 . -}}
{{- if and (gt $bytes 0) (eq (mod $bytes 1073741824) 0) -}}
{{- printf "%dGi" (div $bytes 1073741824) -}}
{{- else if eq (mod $bytes 1048576) 0 -}}
{{- printf "%dMi" (div $bytes 1048576) -}}
{{- else -}}
{{- printf "%d" $bytes -}}
{{- end -}}
{{- end -}}

{{/*
The services the tenant runs, as YAML: for each service of `services` with sessions above 0,
  sessions, sessionsPerReplica,
  replicas     ceil(sessions / sessionsPerReplica) in integer arithmetic, at least
               highAvailability.minReplicas when tenant.sla.availability reaches
               highAvailability.availabilityThreshold, and at least global.minReplicas,
  cpuMillis, memoryBytes, gpu   per replica, from the catalog,
  version      the image tag (app.kubernetes.io/version).
Read it with: include "ecp-tenant.services" . | fromYaml (numbers come back as float64:
convert with int64).
*/}}
{{- define "ecp-tenant.services" -}}
{{- $ctx := dict -}}
{{- include "ecp-tenant.context" (dict "context" . "out" $ctx) -}}
{{- $v := .Values -}}
{{- $catalog := $v.catalog | default dict -}}
{{- $highAvailability := ge (float64 $v.tenant.sla.availability) (float64 $v.highAvailability.availabilityThreshold) -}}
{{- range $name, $request := ($v.services | default dict) -}}
{{- if not (hasKey $catalog $name) -}}
{{- include "common.fail" (dict "field" (printf "services.%s" $name) "message" (printf "is not a service of the catalog (catalog: %s)" (keys $catalog | sortAlpha | join ", "))) -}}
{{- end -}}
{{- $entry := get $catalog $name -}}
{{- $sessions := int64 (($request | default dict).sessions | default 0) -}}
{{- if gt $sessions 0 }}
{{- $perReplica := int64 $entry.sessionsPerReplica -}}
{{- $replicas := div (add $sessions (sub $perReplica 1)) $perReplica -}}
{{- if $highAvailability -}}
{{- $replicas = max $replicas (int64 $v.highAvailability.minReplicas) -}}
{{- end -}}
{{- $replicas = include "common.replicas.count" (dict "context" $ctx "replicaCount" $replicas) | int64 }}
{{ $name }}:
  sessions: {{ $sessions }}
  sessionsPerReplica: {{ $perReplica }}
  replicas: {{ $replicas }}
  cpuMillis: {{ include "common.quantity.cpuMillis" $entry.resources.cpu }}
  memoryBytes: {{ include "common.quantity.memoryBytes" $entry.resources.memory }}
  gpu: {{ int64 ($entry.resources.gpu | default 0) }}
  version: {{ include "common.image.version" (dict "context" $ "image" $entry.image) | quote }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Cross-field rules the schema cannot express, and the quota check. Rendered (as nothing) by
namespace.yaml, so every render runs it.
*/}}
{{- define "ecp-tenant.validate" -}}
{{- $v := .Values -}}
{{- if not $v.tenant.id -}}
{{- include "common.fail" (dict "field" "tenant.id" "message" "is required: the tenant's id (lower-case letters, digits, \"-\"); the chart creates namespace ecp-ai-<id>") -}}
{{- end -}}
{{- $namespace := include "ecp-tenant.namespace" . -}}
{{- if eq .Release.Namespace $namespace -}}
{{- include "common.fail" (dict "field" "tenant.id" "message" (printf "the release is installed into %s, the namespace the chart creates for the tenant: install it into another namespace (helm upgrade --install %s charts/ecp-tenant -n ecp-tenants)" $namespace .Release.Name)) -}}
{{- end -}}
{{- if and (eq (int64 $v.rollingUpdate.maxSurge) 0) (eq (int64 $v.rollingUpdate.maxUnavailable) 0) -}}
{{- include "common.fail" (dict "field" "rollingUpdate.maxUnavailable" "message" "must be at least 1 while rollingUpdate.maxSurge is 0: a rolling update could neither add a pod nor take one down") -}}
{{- end -}}
{{- $preset := include "ecp-tenant.preset" . | fromYaml -}}
{{- $services := include "ecp-tenant.services" . | fromYaml -}}
{{- $reserved := list "TENANT_ID" "ECP_SERVICE" "MAX_CONCURRENT_SESSIONS" -}}
{{- $secretName := "(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|_KEY$|^KEY$)" -}}
{{- $notSecretName := "(?i)(_PATH|_FILE|_URL|_URI|_ENDPOINT|_ID|_NAME|_TIMEOUT[A-Z0-9_]*)$" -}}
{{- $maxCpu := include "common.quantity.cpuMillis" $preset.limitRange.max.cpu | int64 -}}
{{- $maxMemory := include "common.quantity.memoryBytes" $preset.limitRange.max.memory | int64 -}}
{{- range $pair := list (list "default" $preset.limitRange.default) (list "defaultRequest" $preset.limitRange.defaultRequest) -}}
{{- $key := index $pair 0 -}}
{{- $limit := index $pair 1 -}}
{{- if or (gt (include "common.quantity.cpuMillis" $limit.cpu | int64) $maxCpu) (gt (include "common.quantity.memoryBytes" $limit.memory | int64) $maxMemory) -}}
{{- include "common.fail" (dict "field" (printf "presets.%s.limitRange.%s" $v.tenant.preset $key) "message" (printf "cpu %s, memory %s exceeds limitRange.max (cpu %s, memory %s): Kubernetes refuses such a LimitRange" $limit.cpu $limit.memory $preset.limitRange.max.cpu $preset.limitRange.max.memory)) -}}
{{- end -}}
{{- end -}}
{{- range $name, $s := $services -}}
{{- $entry := get $v.catalog $name -}}
{{- if and (gt (int64 $s.gpu) 0) (not $v.tenant.gpuType) -}}
{{- include "common.fail" (dict "field" "tenant.gpuType" "message" (printf "is required: service %s uses %d GPU(s) per replica (catalog.%s.resources.gpu); set the GPU model, e.g. nvidia-l4" $name (int64 $s.gpu) $name)) -}}
{{- end -}}
{{- if gt (int64 $s.cpuMillis) $maxCpu -}}
{{- include "common.fail" (dict "field" (printf "catalog.%s.resources.cpu" $name) "message" (printf "%s per replica exceeds what preset %q allows one container (presets.%s.limitRange.max.cpu: %s)" $entry.resources.cpu $v.tenant.preset $v.tenant.preset $preset.limitRange.max.cpu)) -}}
{{- end -}}
{{- if gt (int64 $s.memoryBytes) $maxMemory -}}
{{- include "common.fail" (dict "field" (printf "catalog.%s.resources.memory" $name) "message" (printf "%s per replica exceeds what preset %q allows one container (presets.%s.limitRange.max.memory: %s)" $entry.resources.memory $v.tenant.preset $v.tenant.preset $preset.limitRange.max.memory)) -}}
{{- end -}}
{{- $env := merge (dict) ((get $v.services $name).env | default dict) ($entry.env | default dict) -}}
{{- range $envName, $value := $env -}}
{{- $field := ternary (printf "services.%s.env.%s" $name $envName) (printf "catalog.%s.env.%s" $name $envName) (hasKey ((get $v.services $name).env | default dict) $envName) -}}
{{- if has $envName $reserved -}}
{{- include "common.fail" (dict "field" $field "message" (printf "is set by the chart (%s): remove it" (join ", " $reserved))) -}}
{{- end -}}
{{- if and (regexMatch $secretName $envName) (not (regexMatch $notSecretName $envName)) -}}
{{- include "common.fail" (dict "field" $field "message" (printf "looks like a secret, and env values end up in the Deployment: read it from a Secret with catalog.%s.secretEnv" $name)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- include "ecp-tenant.validateQuota" (dict "context" . "services" $services "preset" $preset) -}}
{{- end -}}

{{/*
Fails when the services need more than the preset's quota: cpu and memory limits (which
the catalog sets equal to the requests) and GPUs of all replicas, plus the pods a rolling
update adds (rollingUpdate.maxSurge per service, as every service may roll at once) and one
helm test pod (they run one after the other). The message names each service's numbers.
*/}}
{{- define "ecp-tenant.validateQuota" -}}
{{- $v := .context.Values -}}
{{- $quota := .preset.quota -}}
{{- $surge := int64 $v.rollingUpdate.maxSurge -}}
{{- $cpu := int64 0 -}}{{- $memory := int64 0 -}}{{- $gpu := int64 0 -}}
{{- $surgeCpu := int64 0 -}}{{- $surgeMemory := int64 0 -}}{{- $surgeGpu := int64 0 -}}
{{- $cpuParts := list -}}{{- $memoryParts := list -}}{{- $gpuParts := list -}}
{{- range $name, $s := .services -}}
{{- $replicas := int64 $s.replicas -}}
{{- $cpu = add $cpu (mul $replicas (int64 $s.cpuMillis)) -}}
{{- $memory = add $memory (mul $replicas (int64 $s.memoryBytes)) -}}
{{- $gpu = add $gpu (mul $replicas (int64 $s.gpu)) -}}
{{- $surgeCpu = add $surgeCpu (mul $surge (int64 $s.cpuMillis)) -}}
{{- $surgeMemory = add $surgeMemory (mul $surge (int64 $s.memoryBytes)) -}}
{{- $surgeGpu = add $surgeGpu (mul $surge (int64 $s.gpu)) -}}
{{- $cpuParts = append $cpuParts (printf "%s %d x %dm" $name $replicas (int64 $s.cpuMillis)) -}}
{{- $memoryParts = append $memoryParts (printf "%s %d x %s" $name $replicas (include "ecp-tenant.formatMemory" $s.memoryBytes)) -}}
{{- if gt (int64 $s.gpu) 0 -}}
{{- $gpuParts = append $gpuParts (printf "%s %d x %d" $name $replicas (int64 $s.gpu)) -}}
{{- end -}}
{{- end -}}
{{- $testCpu := int64 0 -}}{{- $testMemory := int64 0 -}}
{{- if and $v.tests.enabled .services -}}
{{- $testCpu = include "common.quantity.cpuMillis" $v.tests.resources.limits.cpu | int64 -}}
{{- $testMemory = include "common.quantity.memoryBytes" $v.tests.resources.limits.memory | int64 -}}
{{- end -}}
{{- $problems := list -}}
{{- $quotaCpu := include "common.quantity.cpuMillis" $quota.cpu | int64 -}}
{{- $needCpu := add $cpu $surgeCpu $testCpu -}}
{{- if gt $needCpu $quotaCpu -}}
{{- $problems = append $problems (printf "cpu %dm > quota %dm (%s = %dm, + %dm rolling-update surge, + %dm helm test pod)" $needCpu $quotaCpu (join ", " $cpuParts) $cpu $surgeCpu $testCpu) -}}
{{- end -}}
{{- $quotaMemory := include "common.quantity.memoryBytes" $quota.memory | int64 -}}
{{- $needMemory := add $memory $surgeMemory $testMemory -}}
{{- if gt $needMemory $quotaMemory -}}
{{- $problems = append $problems (printf "memory %s > quota %s (%s = %s, + %s rolling-update surge, + %s helm test pod)" (include "ecp-tenant.formatMemory" $needMemory) (include "ecp-tenant.formatMemory" $quotaMemory) (join ", " $memoryParts) (include "ecp-tenant.formatMemory" $memory) (include "ecp-tenant.formatMemory" $surgeMemory) (include "ecp-tenant.formatMemory" $testMemory)) -}}
{{- end -}}
{{- $needGpu := add $gpu $surgeGpu -}}
{{- if gt $needGpu (int64 $quota.gpu) -}}
{{- $problems = append $problems (printf "nvidia.com/gpu %d > quota %d (%s = %d, + %d rolling-update surge)" $needGpu (int64 $quota.gpu) (join ", " $gpuParts) $gpu $surgeGpu) -}}
{{- end -}}
{{- if $problems -}}
{{- include "common.fail" (dict "field" "services" "message" (printf "the services need more than preset %q allows (tenant.preset; presets.%s.quota): %s. Lower the sessions, choose a larger tenant.preset, or set rollingUpdate.maxSurge to 0" $v.tenant.preset $v.tenant.preset (join "; " $problems))) -}}
{{- end -}}
{{- end -}}
