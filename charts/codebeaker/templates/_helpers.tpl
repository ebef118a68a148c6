{{/*
Chart-local helpers of the CodeBeaker chart. The pods, names, labels, security contexts,
resources, probes and scheduling come from the common library chart's workload model; these
say only what is CodeBeaker's own: the shared volume, the queue, the worker runtime modes.
*/}}

{{/* Names of the two components (codebeaker-api, codebeaker-worker for fullname codebeaker). */}}
{{- define "codebeaker.api.name" -}}
{{- include "common.names.component" (dict "context" . "component" "api") -}}
{{- end -}}

{{- define "codebeaker.worker.name" -}}
{{- include "common.names.component" (dict "context" . "component" "worker") -}}
{{- end -}}

{{- define "codebeaker.config.name" -}}
{{- include "common.names.component" (dict "context" . "component" "config") -}}
{{- end -}}

{{/* The shared claim both components mount: persistence.existingClaim, else <fullname>-data. */}}
{{- define "codebeaker.claimName" -}}
{{- .Values.persistence.existingClaim | default (include "common.names.component" (dict "context" . "component" "data")) -}}
{{- end -}}

{{/*
The namespace the worker and what it needs (its ServiceAccount, a copy of the ConfigMap, HPA,
PDB, NetworkPolicy) are rendered into: worker.namespace, else the release's.
*/}}
{{- define "codebeaker.worker.namespace" -}}
{{- .Values.worker.namespace | default (include "common.names.namespace" .) -}}
{{- end -}}

{{/* "true" when the worker runs in a namespace other than the release's, else "". */}}
{{- define "codebeaker.worker.ownNamespace" -}}
{{- if ne (include "codebeaker.worker.namespace" .) (include "common.names.namespace" .) -}}true{{- end -}}
{{- end -}}

{{/*
The claim the worker mounts: the API's in the release's namespace; in a namespace of its own
worker.persistence.existingClaim, a claim there bound to the same volume (a pod mounts only
claims of its own namespace).
*/}}
{{- define "codebeaker.worker.claimName" -}}
{{- if include "codebeaker.worker.ownNamespace" . -}}
{{- .Values.worker.persistence.existingClaim -}}
{{- else -}}
{{- include "codebeaker.claimName" . -}}
{{- end -}}
{{- end -}}

{{/* Queue and results directories, derived from the volume's mount path. */}}
{{- define "codebeaker.queueDir" -}}
{{- printf "%s/queue" (trimSuffix "/" .Values.persistence.mountPath) -}}
{{- end -}}

{{- define "codebeaker.storageDir" -}}
{{- printf "%s/storage" (trimSuffix "/" .Values.persistence.mountPath) -}}
{{- end -}}

{{/*
The most worker pods the release can run: the HPA maximum when autoscaling is on, else the
replica count, both after the environment overlay (global) is applied.
*/}}
{{- define "codebeaker.worker.maxPods" -}}
{{- $args := dict "context" . "replicaCount" .Values.worker.replicaCount "autoscaling" .Values.worker.autoscaling "singleton" false -}}
{{- if include "common.autoscaling.enabled" $args -}}
{{- /* The most the HPA could be asked for: its maximum, or the overlay's minimum above it
       (which common.autoscaling.bounds refuses; the file-queue rule explains why here). */ -}}
{{- max (int .Values.worker.autoscaling.maxReplicas) (int ((.Values.global | default dict).minReplicas | default 0)) -}}
{{- else -}}
{{- include "common.replicas.count" $args -}}
{{- end -}}
{{- end -}}

{{/*
Cross-field rules of the chart's own values (the workload model checks the rest while it
renders the pods). Included by every template that renders a workload, so rendering fails
before anything is produced when the values do not hold together.
*/}}
{{- define "codebeaker.validate" -}}
{{- include "codebeaker.validate.queue" . -}}
{{- $worker := .Values.worker -}}
{{- if le (int $worker.terminationGracePeriodSeconds) (int .Values.config.executionTimeoutSeconds) -}}
  {{- include "common.fail" (dict "field" "worker.terminationGracePeriodSeconds" "message" (printf "%d must be greater than config.executionTimeoutSeconds (%d), so a stopping worker can finish the jobs it runs" (int $worker.terminationGracePeriodSeconds) (int .Values.config.executionTimeoutSeconds))) -}}
{{- end -}}
{{- range $name, $_ := .Values.config.extra -}}
  {{- if not (regexMatch "^[A-Za-z_][A-Za-z0-9_]*$" $name) -}}
    {{- include "common.fail" (dict "field" "config.extra" "message" (printf "%q is not an environment variable name (letters, digits and _, not starting with a digit)" $name)) -}}
  {{- end -}}
{{- end -}}
{{- include "common.rules.storageSize" (dict "value" .Values.persistence.size "field" "persistence.size") -}}
{{- include "common.rules.storageClassName" (dict "value" .Values.persistence.storageClassName "field" "persistence.storageClassName") -}}
{{- include "common.rules.cidrs" (dict "value" .Values.api.loadBalancer.loadBalancerSourceRanges "field" "api.loadBalancer.loadBalancerSourceRanges") -}}
{{- include "common.rules.cidrs" (dict "value" .Values.networkPolicy.api.loadBalancerCIDRs "field" "networkPolicy.api.loadBalancerCIDRs") -}}
{{- include "codebeaker.validate.runtime" . -}}
{{- include "codebeaker.validate.namespace" . -}}
{{- end -}}

{{/*
A worker in a namespace of its own needs a claim there, bound to the volume the API's claim
is bound to; a claim the chart provisions from a StorageClass gets a volume of its own, which
no claim in another namespace can share.
*/}}
{{- define "codebeaker.validate.namespace" -}}
{{- $namespace := include "codebeaker.worker.namespace" . -}}
{{- $release := include "common.names.namespace" . -}}
{{- $workerClaim := .Values.worker.persistence.existingClaim -}}
{{- $persistence := .Values.persistence -}}
{{- $guide := "charts/codebeaker/README.md, \"Worker in its own namespace\", has an example pair of PersistentVolumes and claims" -}}
{{- if include "codebeaker.worker.ownNamespace" . -}}
  {{- if not $workerClaim -}}
    {{- include "common.fail" (dict "field" "worker.persistence.existingClaim" "message" (printf "is required with worker.namespace %s (the release's namespace is %s): a pod mounts only claims of its own namespace, so the worker needs a claim in %s bound to the same ReadWriteMany volume (the same NFS export) as the API's claim %s: create that claim and set worker.persistence.existingClaim to its name (%s)" $namespace $release $namespace (include "codebeaker.claimName" .) $guide)) -}}
  {{- end -}}
  {{- if and (not $persistence.existingClaim) (ne (toString $persistence.storageClassName) "") -}}
    {{- $class := ternary "the cluster's default StorageClass" (printf "StorageClass %s" $persistence.storageClassName) (kindIs "invalid" $persistence.storageClassName) -}}
    {{- include "common.fail" (dict "field" "persistence.existingClaim" "message" (printf "is required with worker.namespace %s, or persistence.storageClassName \"\": the claim the chart would create from %s gets a volume of its own, which the worker's claim %s in %s cannot share, so jobs would never reach the workers: bind both claims to PersistentVolumes of the same NFS export and set persistence.existingClaim to the API's (%s)" $namespace $class $workerClaim $namespace $guide)) -}}
  {{- end -}}
{{- else if $workerClaim -}}
  {{- include "common.fail" (dict "field" "worker.persistence.existingClaim" "message" (printf "%q applies only with worker.namespace set to a namespace other than the release's (%s): in the release's namespace the worker mounts the API's claim %s; remove it, or set worker.namespace" $workerClaim $release (include "codebeaker.claimName" .))) -}}
{{- end -}}
{{- end -}}

{{/* The file queue supports at most 10 workers, and never a surge pod; redis needs its Secret. */}}
{{- define "codebeaker.validate.queue" -}}
{{- $global := .Values.global | default dict -}}
{{- $worker := .Values.worker -}}
{{- $fileLimit := 10 -}}
{{- $redisHint := "the file queue's locking supports at most 10 workers; to run more, set queue.type: redis with queue.redis.existingSecret naming a Secret that holds the Redis URL" -}}
{{- if eq .Values.queue.type "file" -}}
  {{- $args := dict "context" . "replicaCount" $worker.replicaCount "autoscaling" $worker.autoscaling "singleton" false -}}
  {{- $max := include "codebeaker.worker.maxPods" . | int -}}
  {{- if gt $max $fileLimit -}}
    {{- if include "common.autoscaling.enabled" $args -}}
      {{- if gt (int $worker.autoscaling.minReplicas) $fileLimit -}}
        {{- include "common.fail" (dict "field" "worker.autoscaling.minReplicas" "message" (printf "%d is above 10 with queue.type file: %s" (int $worker.autoscaling.minReplicas) $redisHint)) -}}
      {{- else if gt (int $worker.autoscaling.maxReplicas) $fileLimit -}}
        {{- include "common.fail" (dict "field" "worker.autoscaling.maxReplicas" "message" (printf "%d is above 10 with queue.type file: %s" (int $worker.autoscaling.maxReplicas) $redisHint)) -}}
      {{- else -}}
        {{- include "common.fail" (dict "field" "global.minReplicas" "message" (printf "raises the worker HPA to %d pods, above 10 with queue.type file: %s" $max $redisHint)) -}}
      {{- end -}}
    {{- else if not (kindIs "invalid" $global.replicaCount) -}}
      {{- include "common.fail" (dict "field" "global.replicaCount" "message" (printf "gives %d workers, above 10 with queue.type file: %s" $max $redisHint)) -}}
    {{- else if gt (int $worker.replicaCount) $fileLimit -}}
      {{- include "common.fail" (dict "field" "worker.replicaCount" "message" (printf "%d is above 10 with queue.type file: %s" (int $worker.replicaCount) $redisHint)) -}}
    {{- else -}}
      {{- include "common.fail" (dict "field" "global.minReplicas" "message" (printf "gives %d workers, above 10 with queue.type file: %s" $max $redisHint)) -}}
    {{- end -}}
  {{- end -}}
  {{- $strategy := $worker.updateStrategy | default dict -}}
  {{- $surge := ($strategy.rollingUpdate | default dict).maxSurge | default 0 -}}
  {{- if and (ne ($strategy.type | default "RollingUpdate") "Recreate") (not (has (toString $surge) (list "0" "0%"))) -}}
    {{- include "common.fail" (dict "field" "worker.updateStrategy.rollingUpdate.maxSurge" "message" (printf "%v must be 0 with queue.type file: a surge pod could take the workers above the file queue's limit of 10; use maxUnavailable to pace rollouts, or queue.type redis" $surge)) -}}
  {{- end -}}
{{- else if eq .Values.queue.type "redis" -}}
  {{- if not .Values.queue.redis.existingSecret -}}
    {{- include "common.fail" (dict "field" "queue.redis.existingSecret" "message" "is required with queue.type redis: name an existing Secret holding the Redis URL under queue.redis.secretKey (the URL is never written into values)") -}}
  {{- end -}}
{{- end -}}
{{- end -}}

{{/* The worker runtime modes: what each needs, and the RuntimeClass chosen by mode only. */}}
{{- define "codebeaker.validate.runtime" -}}
{{- $worker := .Values.worker -}}
{{- $runtime := $worker.runtime -}}
{{- if $worker.runtimeClassName -}}
  {{- include "common.fail" (dict "field" "worker.runtimeClassName" "message" (printf "%q: the workers' RuntimeClass follows worker.runtime.mode; set worker.runtime.mode: runtime-class with worker.runtime.runtimeClassName: %s instead" $worker.runtimeClassName $worker.runtimeClassName)) -}}
{{- end -}}
{{- if eq $runtime.mode "docker-socket" -}}
  {{- if not $worker.nodeSelector -}}
    {{- include "common.fail" (dict "field" "worker.nodeSelector" "message" "is required with worker.runtime.mode docker-socket: the Docker socket is root on the node, so workers must be pinned to dedicated worker nodes (set worker.nodeSelector, and worker.tolerations for their taint)") -}}
  {{- end -}}
{{- else if eq $runtime.mode "runtime-class" -}}
  {{- if not $runtime.runtimeClassName -}}
    {{- include "common.fail" (dict "field" "worker.runtime.runtimeClassName" "message" "is required with worker.runtime.mode runtime-class: name the sandboxed RuntimeClass of the cluster (e.g. gvisor, kata, sysbox-runc), or choose mode none") -}}
  {{- end -}}
{{- end -}}
{{- end -}}

{{/* Env both components get from the chart: the Redis URL from its Secret in redis mode. */}}
{{- define "codebeaker.queueEnv" -}}
{{- $env := list -}}
{{- if eq .Values.queue.type "redis" -}}
{{- $redis := .Values.queue.redis -}}
{{- $env = append $env (dict "name" $redis.envName "valueFrom" (dict "secretKeyRef" (dict "name" $redis.existingSecret "key" $redis.secretKey)) "source" "the chart (queue.redis.envName)") -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{/* What both containers read from the ConfigMap. */}}
{{- define "codebeaker.configEnvFrom" -}}
{{- toYaml (list (dict "configMapRef" (dict "name" (include "codebeaker.config.name" .)))) -}}
{{- end -}}

{{/*
The worker's values as the workload model takes them: the runtime mode's RuntimeClass, its
socket group (or root) in the pod security context, and the heartbeat check as the probe
command where none is given.
*/}}
{{- define "codebeaker.worker.values" -}}
{{- $worker := deepCopy .Values.worker -}}
{{- $runtime := $worker.runtime -}}
{{- $socket := eq $runtime.mode "docker-socket" -}}
{{- $_ := unset $worker "runtimeClassName" -}}
{{- if eq $runtime.mode "runtime-class" -}}
{{- $_ := set $worker "runtimeClassName" $runtime.runtimeClassName -}}
{{- end -}}
{{- $podSecurity := $worker.podSecurityContext | default dict -}}
{{- $containerSecurity := $worker.containerSecurityContext | default dict -}}
{{- if and $socket (not (kindIs "invalid" $runtime.dockerSocket.groupId)) -}}
{{- $_ := set $podSecurity "supplementalGroups" (append ($podSecurity.supplementalGroups | default list) (int $runtime.dockerSocket.groupId)) -}}
{{- end -}}
{{- if and $socket $runtime.dockerSocket.runAsRoot -}}
{{- $_ := set $podSecurity "runAsNonRoot" false -}}
{{- $_ := set $podSecurity "runAsUser" 0 -}}
{{- $_ := set $containerSecurity "runAsNonRoot" false -}}
{{- end -}}
{{- $_ := set $worker "podSecurityContext" $podSecurity -}}
{{- $_ := set $worker "containerSecurityContext" $containerSecurity -}}
{{- $probes := $worker.probes | default dict -}}
{{- range $name := list "startup" "liveness" -}}
{{- $probe := get $probes $name | default dict -}}
{{- if and (not $probe.command) (not $probe.path) (has ($probe.type | default "exec") (list "exec")) -}}
{{- $_ := set $probe "command" (include "codebeaker.worker.heartbeatCheck" $ | fromYamlArray) -}}
{{- end -}}
{{- $_ := set $probes $name $probe -}}
{{- end -}}
{{- $_ := set $worker "probes" $probes -}}
{{- toYaml $worker -}}
{{- end -}}

{{/* The default command of the worker's startup and liveness probes: the heartbeat's age. */}}
{{- define "codebeaker.worker.heartbeatCheck" -}}
{{- $hb := .Values.worker.heartbeat -}}
{{- /* Written without "$(": the kubelet expands $(NAME) references in probe commands. */ -}}
{{- $script := "mtime=`stat -c %Y \"$0\"` && now=`date +%s` && [ `expr \"$now\" - \"$mtime\"` -lt \"$1\" ]" -}}
{{- toYaml (list "/bin/sh" "-c" $script $hb.path (toString (int $hb.maxAgeSeconds))) -}}
{{- end -}}

{{/* The worker Deployment's policy exemptions, each with its reason (docker-socket mode only). */}}
{{- define "codebeaker.worker.exemptions" -}}
{{- $runtime := .Values.worker.runtime -}}
{{- $exemptions := dict -}}
{{- if eq $runtime.mode "docker-socket" -}}
{{- $_ := set $exemptions "policy.chartkit.io/exempt-pss-volume-types" (printf "worker.runtime.mode docker-socket: hostPath %s gives the worker the node's Docker daemon (root on the node) to run jobs as containers; workers are pinned to dedicated nodes by nodeSelector" $runtime.dockerSocket.hostPath) -}}
{{- if $runtime.dockerSocket.runAsRoot -}}
{{- $_ := set $exemptions "policy.chartkit.io/exempt-pss-run-as-non-root" "worker.runtime.dockerSocket.runAsRoot: the Docker socket on the worker nodes opens for root only" -}}
{{- $_ := set $exemptions "policy.chartkit.io/exempt-pss-run-as-non-root-user" "worker.runtime.dockerSocket.runAsRoot: the Docker socket on the worker nodes opens for root only" -}}
{{- end -}}
{{- end -}}
{{- toYaml $exemptions -}}
{{- end -}}

{{/*
A Deployment's revisionHistoryLimit, minReadySeconds and progressDeadlineSeconds from the
workload's values (each only when set).
Usage: include "codebeaker.workloadSpec" (dict "workload" .Values.api)
*/}}
{{- define "codebeaker.workloadSpec" -}}
{{- $lines := list -}}
{{- range $key := list "revisionHistoryLimit" "minReadySeconds" "progressDeadlineSeconds" -}}
{{- if and (hasKey $.workload $key) (not (kindIs "invalid" (get $.workload $key))) -}}
{{- $lines = append $lines (printf "%s: %d" $key (int (get $.workload $key))) -}}
{{- end -}}
{{- end -}}
{{- join "\n" $lines -}}
{{- end -}}
