{{/*
Chart-local helpers of the CodeBeaker chart.
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
Cross-field rules. Included once by every template that renders a workload, so rendering
fails before anything is produced when the values do not hold together.
*/}}
{{- define "codebeaker.validate" -}}
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
  {{- if not (has (toString $worker.rollingUpdate.maxSurge) (list "0" "0%")) -}}
    {{- include "common.fail" (dict "field" "worker.rollingUpdate.maxSurge" "message" (printf "%v must be 0 with queue.type file: a surge pod could take the workers above the file queue's limit of 10; use maxUnavailable to pace rollouts, or queue.type redis" $worker.rollingUpdate.maxSurge)) -}}
  {{- end -}}
{{- else if eq .Values.queue.type "redis" -}}
  {{- if not .Values.queue.redis.existingSecret -}}
    {{- include "common.fail" (dict "field" "queue.redis.existingSecret" "message" "is required with queue.type redis: name an existing Secret holding the Redis URL under queue.redis.secretKey (the URL is never written into values)") -}}
  {{- end -}}
{{- end -}}
{{- if le (int $worker.terminationGracePeriodSeconds) (int .Values.config.executionTimeoutSeconds) -}}
  {{- include "common.fail" (dict "field" "worker.terminationGracePeriodSeconds" "message" (printf "%d must be greater than config.executionTimeoutSeconds (%d), so a stopping worker can finish the jobs it runs" (int $worker.terminationGracePeriodSeconds) (int .Values.config.executionTimeoutSeconds))) -}}
{{- end -}}
{{- if le (int .Values.api.terminationGracePeriodSeconds) (int .Values.api.preStopSleepSeconds) -}}
  {{- include "common.fail" (dict "field" "api.terminationGracePeriodSeconds" "message" (printf "%d must be greater than api.preStopSleepSeconds (%d)" (int .Values.api.terminationGracePeriodSeconds) (int .Values.api.preStopSleepSeconds))) -}}
{{- end -}}
{{- range $component := list "api" "worker" -}}
  {{- range $label, $_ := (get $.Values $component).podLabels -}}
    {{- if or (hasPrefix "app.kubernetes.io/" $label) (hasPrefix "helm.sh/" $label) -}}
      {{- include "common.fail" (dict "field" (printf "%s.podLabels" $component) "message" (printf "%q is one of the chart's own labels (app.kubernetes.io/*, helm.sh/*), which selectors rely on; choose another label name" $label)) -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- range $name, $_ := .Values.config.extra -}}
  {{- if not (regexMatch "^[A-Za-z_][A-Za-z0-9_]*$" $name) -}}
    {{- include "common.fail" (dict "field" "config.extra" "message" (printf "%q is not an environment variable name (letters, digits and _, not starting with a digit)" $name)) -}}
  {{- end -}}
{{- end -}}
{{- $runtime := $worker.runtime -}}
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

{{/* Environment shared by both components: the Redis URL from its Secret in redis mode. */}}
{{- define "codebeaker.queueEnv" -}}
{{- if eq .Values.queue.type "redis" }}
- name: {{ .Values.queue.redis.envName }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.queue.redis.existingSecret }}
      key: {{ .Values.queue.redis.secretKey }}
{{- end }}
{{- end -}}

{{/* The shared volume (pod spec volumes item). */}}
{{- define "codebeaker.dataVolume" -}}
- name: data
  persistentVolumeClaim:
    claimName: {{ include "codebeaker.claimName" . }}
{{- end -}}

{{/* Pod labels: the standard set (version = image tag) plus the component's podLabels. */}}
{{- define "codebeaker.podLabels" -}}
{{- include "common.labels.standard" (dict "context" .context "component" .component "version" .version "extra" .podLabels) -}}
{{- end -}}

{{/* Command of the worker's startup and liveness probes. */}}
{{- define "codebeaker.worker.probeCommand" -}}
{{- $probes := .Values.worker.probes -}}
{{- if $probes.command -}}
{{- toYaml $probes.command -}}
{{- else -}}
{{- $hb := .Values.worker.heartbeat -}}
{{- /* Written without "$(": the kubelet expands $(NAME) references in probe commands. */ -}}
{{- $script := "mtime=`stat -c %Y \"$0\"` && now=`date +%s` && [ `expr \"$now\" - \"$mtime\"` -lt \"$1\" ]" -}}
{{- toYaml (list "/bin/sh" "-c" $script $hb.path (toString (int $hb.maxAgeSeconds))) -}}
{{- end -}}
{{- end -}}
