{{/*
Chart-local helpers of the ecp-tenant chart. The pods, names, labels, security contexts,
resources, probes and scheduling come from the common library chart's workload model; these
say what is the tenant chart's own: the tenant namespace, the sizing of each service from
its contracted sessions, each service's workload values, and the quota check.
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
Every template starts with it, so renamed values keys are refused (common.renamedKeys.check,
which reads renamed-keys.yaml through Files) before anything reads them.
Usage: {{- $ctx := dict -}}{{- include "ecp-tenant.context" (dict "context" . "out" $ctx) -}}
*/}}
{{- define "ecp-tenant.context" -}}
{{- $root := .context -}}
{{- include "common.renamedKeys.check" $root -}}
{{- $global := omit ($root.Values.global | default dict) "replicaCount" "autoscaling" -}}
{{- $_ := set .out "Values" (set (deepCopy $root.Values) "global" $global) -}}
{{- $_ := set .out "Release" (set (deepCopy $root.Release) "Namespace" (include "ecp-tenant.namespace" $root)) -}}
{{- $_ := set .out "Chart" $root.Chart -}}
{{- $_ := set .out "Capabilities" $root.Capabilities -}}
{{- $_ := set .out "Template" $root.Template -}}
{{- $_ := set .out "Files" $root.Files -}}
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
The limits of one replica of a service as YAML: catalog.<service>.resources.limits, each
resource the tenant's services.<service>.resources.limits gives replacing the catalog's; a
GPU count of 0 means none; cpu and memory are required. Requests are not values of this
chart: they equal the limits.
Usage: include "ecp-tenant.limits" (dict "context" $ "name" "stt") | fromYaml
*/}}
{{- define "ecp-tenant.limits" -}}
{{- $v := .context.Values -}}
{{- $limits := dict -}}
{{- range $where := list "catalog" "services" -}}
{{- $resources := (get (get $v $where | default dict) $.name | default dict).resources | default dict -}}
{{- if hasKey $resources "requests" -}}
{{- include "common.fail" (dict "field" (printf "%s.%s.resources.requests" $where $.name) "message" (printf "requests are not set in this chart: every replica requests what its limits say (Guaranteed QoS: no CPU throttling under load, and GPUs need it); remove requests and set %s.%s.resources.limits" $where $.name)) -}}
{{- end -}}
{{- range $resource, $quantity := ($resources.limits | default dict) -}}
{{- $_ := set $limits $resource $quantity -}}
{{- end -}}
{{- end -}}
{{- range $resource := list "cpu" "memory" -}}
{{- if not (hasKey $limits $resource) -}}
{{- include "common.fail" (dict "field" (printf "catalog.%s.resources.limits.%s" $.name $resource) "message" (printf "is required: the %s of one replica of %s (its limit, and its request), e.g. %s" $resource $.name (ternary "cpu: \"2\"" "memory: 4Gi" (eq $resource "cpu")))) -}}
{{- end -}}
{{- end -}}
{{- if not (int64 (get $limits "nvidia.com/gpu" | default 0)) -}}
{{- $limits = omit $limits "nvidia.com/gpu" -}}
{{- end -}}
{{- toYaml $limits -}}
{{- end -}}

{{/*
The services the tenant runs, as YAML: for each service of `services` with sessions above 0,
  sessions, sessionsPerReplica,
  replicas     ceil(sessions / sessionsPerReplica) in integer arithmetic (at most
               common.rules.maxReplicas: more sessions are refused naming
               services.<service>.sessions), at least highAvailability.minReplicas when
               tenant.sla.availability reaches highAvailability.availabilityThreshold, and at
               least global.minReplicas,
  limits       per replica (ecp-tenant.limits), and as numbers: cpuMillis, memoryBytes, gpu,
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
{{- $maxReplicas := include "common.rules.maxReplicas" . | int64 -}}
{{- range $name, $request := ($v.services | default dict) -}}
{{- if not (hasKey $catalog $name) -}}
{{- include "common.fail" (dict "field" (printf "services.%s" $name) "message" (printf "is not a service of the catalog (catalog: %s)" (keys $catalog | sortAlpha | join ", "))) -}}
{{- end -}}
{{- $entry := get $catalog $name -}}
{{- $sessions := int64 (($request | default dict).sessions | default 0) -}}
{{- if gt $sessions 0 }}
{{- $perReplica := int64 $entry.sessionsPerReplica -}}
{{- $replicas := div (add $sessions (sub $perReplica 1)) $perReplica -}}
{{- if gt $replicas $maxReplicas -}}
{{- include "common.fail" (dict "field" (printf "services.%s.sessions" $name) "message" (printf "%d sessions at %d per replica (catalog.%s.sessionsPerReplica) need %d replicas, and one service runs at most %d (the platform's bound): contract at most %d sessions of %s for this tenant, or have the platform review the service's sizing" $sessions $perReplica $name $replicas $maxReplicas (mul $maxReplicas $perReplica) $name)) -}}
{{- end -}}
{{- if $highAvailability -}}
{{- $replicas = max $replicas (int64 $v.highAvailability.minReplicas) -}}
{{- end -}}
{{- $replicas = include "common.replicas.count" (dict "context" $ctx "replicaCount" $replicas) | int64 -}}
{{- $limits := include "ecp-tenant.limits" (dict "context" $ "name" $name) | fromYaml }}
{{ $name }}:
  sessions: {{ $sessions }}
  sessionsPerReplica: {{ $perReplica }}
  replicas: {{ $replicas }}
  limits:
    {{- toYaml $limits | nindent 4 }}
  cpuMillis: {{ include "common.quantity.cpuMillis" $limits.cpu }}
  memoryBytes: {{ include "common.quantity.memoryBytes" $limits.memory }}
  gpu: {{ int64 (get $limits "nvidia.com/gpu" | default 0) }}
  version: {{ include "common.image.version" (dict "context" $ "image" $entry.image) | quote }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The pod template of one service: the workload model (common.podTemplate) fed by the service's
workload values, which come from three places, the later winning:
  the top level         the tenant-wide pod options (podLabels, podAnnotations, imagePullSecrets,
                        podSecurityContext, containerSecurityContext, priorityClassName,
                        nodeSelector, tolerations, affinity, podAntiAffinityPreset, zoneSpread,
                        topologySpreadConstraints, tmpDir, serviceAccount)
  catalog.<service>     image, env, terminationGracePeriodSeconds, and the probes on healthPath
                        (the startup probe allows startupSeconds; timing from `probes`)
  services.<service>    env (by name over the catalog's), and the service's own pod options
                        (a map adds and replaces keys, anything else replaces)
with requests = limits = ecp-tenant.limits (GPUs included), and on a GPU service a node
selector on gpu.nodeSelectorKey = tenant.gpuType and gpu.tolerations. The chart's own env
(TENANT_ID, ECP_SERVICE, MAX_CONCURRENT_SESSIONS) cannot be set by values. Errors name
services.<service>.<key>; what comes from the catalog or the top level is checked under its
own name first, so an error names the key the values file wrote.
Usage: include "ecp-tenant.podTemplate" (dict "context" $ "ctx" $ctx "name" $name "service" $s)
"service": the service's entry of ecp-tenant.services.
*/}}
{{- define "ecp-tenant.podTemplate" -}}
{{- $root := .context -}}
{{- $ctx := .ctx -}}
{{- $v := $root.Values -}}
{{- $name := .name -}}
{{- $s := .service -}}
{{- $entry := get $v.catalog $name -}}
{{- $own := get ($v.services | default dict) $name | default dict -}}
{{- $gpu := int64 $s.gpu -}}
{{- $chartEnv := list
  (dict "name" "TENANT_ID" "value" (toString $v.tenant.id) "source" "the chart (tenant.id)")
  (dict "name" "ECP_SERVICE" "value" $name "source" "the chart (the service's name)")
  (dict "name" "MAX_CONCURRENT_SESSIONS" "value" (toString (int64 $s.sessionsPerReplica)) "source" (printf "the chart (catalog.%s.sessionsPerReplica)" $name)) -}}
{{- $reserved := list "ecp.ai/tenant" "ecp.ai/service" -}}
{{- /* What comes from the catalog and the top level, checked under its own name. */ -}}
{{- $_ := include "common.image" (dict "context" $ctx "image" $entry.image "field" (printf "catalog.%s.image" $name)) -}}
{{- $_ := include "common.container.env" (dict "chart" $chartEnv "env" $entry.env "prefix" (printf "catalog.%s." $name)) -}}
{{- include "common.rules.podLabels" (dict "labels" $v.podLabels "field" "podLabels" "reserved" $reserved) -}}
{{- with ($v.tmpDir | default dict).sizeLimit -}}
{{- include "common.rules.storageSize" (dict "value" . "field" "tmpDir.sizeLimit") -}}
{{- end -}}
{{- /* The tenant-wide pod options, then the service's own over them. */ -}}
{{- $podOptions := list "nodeSelector" "tolerations" "affinity" "podAntiAffinityPreset" "zoneSpread" "topologySpreadConstraints" "podLabels" "podAnnotations" "priorityClassName" -}}
{{- $workload := dict -}}
{{- range $key := concat (list "imagePullSecrets" "podSecurityContext" "containerSecurityContext" "tmpDir" "serviceAccount") $podOptions -}}
{{- if hasKey $v $key -}}
{{- $_ := set $workload $key (get $v $key) -}}
{{- end -}}
{{- end -}}
{{- $workload = deepCopy $workload -}}
{{- range $key := $podOptions -}}
{{- if hasKey $own $key -}}
{{- $value := get $own $key -}}
{{- if and (kindIs "map" $value) (kindIs "map" (get $workload $key)) -}}
{{- $merged := get $workload $key -}}
{{- range $inner, $x := $value -}}
{{- $_ := set $merged $inner $x -}}
{{- end -}}
{{- else -}}
{{- $_ := set $workload $key $value -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if gt $gpu 0 -}}
{{- $_ := set $workload "nodeSelector" (merge (dict $v.gpu.nodeSelectorKey $v.tenant.gpuType) ($workload.nodeSelector | default dict)) -}}
{{- $_ := set $workload "tolerations" (concat ($v.gpu.tolerations | default list) ($workload.tolerations | default list)) -}}
{{- end -}}
{{- /* The service's container: the catalog's, with the tenant's env and the sized resources. */ -}}
{{- $env := deepCopy ($entry.env | default dict) -}}
{{- range $key, $value := ($own.env | default dict) -}}
{{- $_ := set $env $key $value -}}
{{- end -}}
{{- $limits := $s.limits | default dict -}}
{{- if gt $gpu 0 -}}
{{- $limits = set (deepCopy $limits) "nvidia.com/gpu" $gpu -}}
{{- end -}}
{{- $timing := $v.probes -}}
{{- $period := int64 $timing.startup.periodSeconds -}}
{{- $startupFailures := max 1 (div (add (int64 $entry.startupSeconds) (sub $period 1)) $period) -}}
{{- $_ := set $workload "image" $entry.image -}}
{{- $_ := set $workload "env" $env -}}
{{- $_ := set $workload "resources" (dict "requests" $limits "limits" $limits) -}}
{{- $_ := set $workload "terminationGracePeriodSeconds" $entry.terminationGracePeriodSeconds -}}
{{- $_ := set $workload "probes" (dict
  "startup" (merge (dict "path" $entry.healthPath "failureThreshold" $startupFailures) (deepCopy $timing.startup))
  "readiness" (merge (dict "path" $entry.healthPath) (deepCopy $timing.readiness))
  "liveness" (merge (dict "path" $entry.healthPath) (deepCopy $timing.liveness))) -}}
{{- include "common.podTemplate" (dict
      "context" $ctx
      "workload" $workload
      "field" (printf "services.%s" $name)
      "component" $name
      "name" (include "common.names.fullname" $root)
      "version" $s.version
      "container" (dict "name" $name "ports" (dict "http" $entry.port) "env" $chartEnv)
      "labels" (include "ecp-tenant.serviceLabels" (dict "context" $root "service" $name) | fromYaml)
      "reservedLabels" $reserved) -}}
{{- end -}}

{{/*
Cross-field rules the schema cannot express, and the quota check. Rendered (as nothing) by
namespace.yaml, so every render runs it. The workload model checks each service's pod values
(common.podTemplate); common.updateStrategy the update strategy, here too so a tenant without
services gets the same answer.
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
{{- /* The strategy every Deployment takes, checked even while no service runs. */ -}}
{{- $_ := include "common.updateStrategy" (dict "updateStrategy" $v.updateStrategy) -}}
{{- $preset := include "ecp-tenant.preset" . | fromYaml -}}
{{- $services := include "ecp-tenant.services" . | fromYaml -}}
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
{{- $ownLimits := ((get $v.services $name).resources | default dict).limits | default dict -}}
{{- $where := dict -}}
{{- range $resource := list "cpu" "memory" "nvidia.com/gpu" -}}
{{- $_ := set $where $resource (printf "%s.%s.resources.limits.%s" (ternary "services" "catalog" (hasKey $ownLimits $resource)) $name $resource) -}}
{{- end -}}
{{- if and (gt (int64 $s.gpu) 0) (not $v.tenant.gpuType) -}}
{{- include "common.fail" (dict "field" "tenant.gpuType" "message" (printf "is required: service %s uses %d GPU(s) per replica (%s); set the GPU model, e.g. nvidia-l4" $name (int64 $s.gpu) (get $where "nvidia.com/gpu"))) -}}
{{- end -}}
{{- if gt (int64 $s.cpuMillis) $maxCpu -}}
{{- include "common.fail" (dict "field" $where.cpu "message" (printf "%v per replica exceeds what preset %q allows one container (presets.%s.limitRange.max.cpu: %s)" $s.limits.cpu $v.tenant.preset $v.tenant.preset $preset.limitRange.max.cpu)) -}}
{{- end -}}
{{- if gt (int64 $s.memoryBytes) $maxMemory -}}
{{- include "common.fail" (dict "field" $where.memory "message" (printf "%v per replica exceeds what preset %q allows one container (presets.%s.limitRange.max.memory: %s)" $s.limits.memory $v.tenant.preset $v.tenant.preset $preset.limitRange.max.memory)) -}}
{{- end -}}
{{- end -}}
{{- include "ecp-tenant.validateQuota" (dict "context" . "services" $services "preset" $preset) -}}
{{- end -}}

{{/*
Fails when the services need more than the preset's quota: cpu and memory limits (which
equal the requests) and GPUs of all replicas, plus the pods a rolling update adds
(updateStrategy.rollingUpdate.maxSurge per service, as every service may roll at once; none
with Recreate) and one helm test pod (they run one after the other). The message names each
service's numbers.
*/}}
{{- define "ecp-tenant.validateQuota" -}}
{{- $v := .context.Values -}}
{{- $quota := .preset.quota -}}
{{- $strategy := $v.updateStrategy | default dict -}}
{{- $surge := int64 0 -}}
{{- if ne ($strategy.type | default "RollingUpdate") "Recreate" -}}
{{- $surge = int64 (($strategy.rollingUpdate | default dict).maxSurge | default 0) -}}
{{- end -}}
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
{{- include "common.fail" (dict "field" "services" "message" (printf "the services need more than preset %q allows (tenant.preset; presets.%s.quota): %s. Lower the sessions, choose a larger tenant.preset, or set updateStrategy.rollingUpdate.maxSurge to 0 (with maxUnavailable 1)" $v.tenant.preset $v.tenant.preset (join "; " $problems))) -}}
{{- end -}}
{{- end -}}
