{{/*
Chart-local helpers of the eventstorming chart. The pod template, names, labels, security
contexts, resources, probes and scheduling come from the common library chart's workload
model; these say what is the worker's own: its names, the singleton rules, the settings,
API keys and Firebase key it reads, and its writable directories.
*/}}

{{/* Name of the workload and its objects: "<full name>-generator" ("eventstorming-generator"). */}}
{{- define "eventstorming.name" -}}
{{- include "common.names.component" (dict "context" . "component" "generator") -}}
{{- end -}}

{{/* Name of the Service: "<workload name>-service". */}}
{{- define "eventstorming.serviceName" -}}
{{- printf "%s-service" (include "eventstorming.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Name of the settings ConfigMap. */}}
{{- define "eventstorming.configMapName" -}}
{{- printf "%s-config" (include "eventstorming.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The version label of the workload: its image tag. */}}
{{- define "eventstorming.version" -}}
{{- include "common.image.version" (dict "context" . "image" .Values.image) -}}
{{- end -}}

{{/* The port the worker listens on: containerPorts.http (the Service's and the NetworkPolicy's). */}}
{{- define "eventstorming.port" -}}
{{- $port := (.Values.containerPorts | default dict).http -}}
{{- if not $port -}}
{{- include "common.fail" (dict "field" "containerPorts.http" "message" "is required: the port the worker's HTTP server (/ok) listens on (2024), which the Service, the probes and the NetworkPolicy use") -}}
{{- end -}}
{{- int $port -}}
{{- end -}}

{{/*
Where the Firebase service-account key is mounted, and the file FIREBASE_SERVICE_ACCOUNT_PATH
names: both come from firebase.mountPath and firebase.key, so they cannot disagree.
*/}}
{{- define "eventstorming.firebase.mountPath" -}}
{{- trimSuffix "/" .Values.firebase.mountPath -}}
{{- end -}}

{{- define "eventstorming.firebase.keyPath" -}}
{{- printf "%s/%s" (include "eventstorming.firebase.mountPath" .) .Values.firebase.key -}}
{{- end -}}

{{/*
Replica count: 1, or 0 to pause the worker. It is a singleton queue consumer, so
global.replicaCount and global.minReplicas never raise it, and more than one is refused.
*/}}
{{- define "eventstorming.replicas" -}}
{{- $count := int .Values.replicaCount -}}
{{- if gt $count 1 -}}
{{- include "common.fail" (dict "field" "replicaCount" "message" (printf "%d is not allowed: must be 1 (or 0 to pause). The worker consumes a job queue and two pods could take the same job" $count)) -}}
{{- end -}}
{{- if eq $count 0 -}}
0
{{- else -}}
{{- include "common.replicas.count" (dict "context" . "replicaCount" $count "singleton" true) -}}
{{- end -}}
{{- end -}}

{{/*
The chart's own env items of the worker container, each with its source (so setting one
again in env or extraEnv is refused naming both places): FIREBASE_SERVICE_ACCOUNT_PATH and
the home directories, then one secretKeyRef per apiKeys.env entry, from apiKeys.secretName.
*/}}
{{- define "eventstorming.env" -}}
{{- $home := trimSuffix "/" .Values.writableDirs.home.mountPath -}}
{{- $homeSource := "the chart (writableDirs.home.mountPath)" -}}
- name: FIREBASE_SERVICE_ACCOUNT_PATH
  value: {{ include "eventstorming.firebase.keyPath" . | quote }}
  source: the chart (firebase.mountPath and firebase.key)
- name: HOME
  value: {{ .Values.writableDirs.home.mountPath | quote }}
  source: {{ $homeSource }}
- name: UV_CACHE_DIR
  value: {{ printf "%s/.cache/uv" $home | quote }}
  source: {{ $homeSource }}
- name: XDG_CACHE_HOME
  value: {{ printf "%s/.cache" $home | quote }}
  source: {{ $homeSource }}
{{- range $name, $ref := (.Values.apiKeys.env | default dict) }}
{{- if $ref }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $.Values.apiKeys.secretName }}
      key: {{ $ref.key | default $name }}
      {{- if $ref.optional }}
      optional: true
      {{- end }}
  source: {{ printf "apiKeys.env.%s" $name }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
The chart's own volumes: the Firebase key (only that key of its Secret) and the writable home
and cache directories (the workload model adds /tmp and extraVolumes after them).
*/}}
{{- define "eventstorming.volumes" -}}
{{- $dirs := .Values.writableDirs -}}
{{- range $dir := list "home" "cache" -}}
{{- include "common.rules.storageSize" (dict "value" (get $dirs $dir).sizeLimit "field" (printf "writableDirs.%s.sizeLimit" $dir)) -}}
{{- end -}}
- name: firebase-key
  secret:
    secretName: {{ .Values.firebase.secretName }}
    defaultMode: {{ .Values.firebase.defaultMode }}
    items:
      - key: {{ .Values.firebase.key }}
        path: {{ .Values.firebase.key }}
- name: home
  emptyDir:
    sizeLimit: {{ $dirs.home.sizeLimit }}
- name: cache
  emptyDir:
    sizeLimit: {{ $dirs.cache.sizeLimit }}
{{- end -}}

{{/* Where the worker container mounts the chart's own volumes (before /tmp and extraVolumeMounts). */}}
{{- define "eventstorming.volumeMounts" -}}
- name: firebase-key
  mountPath: {{ include "eventstorming.firebase.mountPath" . }}
  readOnly: true
- name: home
  mountPath: {{ .Values.writableDirs.home.mountPath }}
- name: cache
  mountPath: {{ .Values.writableDirs.cache.mountPath }}
{{- end -}}

{{/*
Cross-field rules that the schema cannot express. Rendered (as nothing) by deployment.yaml.
*/}}
{{- define "eventstorming.validate" -}}
{{- $v := .Values -}}
{{- include "eventstorming.validate.singleton" . -}}
{{- $_ := include "eventstorming.port" . -}}
{{- if not $v.settings.firebaseDatabaseUrl -}}
{{- include "common.fail" (dict "field" "settings.firebaseDatabaseUrl" "message" "is required: the Realtime Database holding the job queue (https://<db>.firebaseio.com or https://<db>.<region>.firebasedatabase.app)") -}}
{{- end -}}
{{- $apiEnv := $v.apiKeys.env | default dict -}}
{{- if and $v.settings.langsmithTracing (not (get $apiEnv "LANGSMITH_API_KEY")) -}}
{{- include "common.fail" (dict "field" "apiKeys.env.LANGSMITH_API_KEY" "message" "is required while settings.langsmithTracing is true (or set settings.langsmithTracing to false)") -}}
{{- end -}}
{{- $provider := "openai" -}}
{{- if contains ":" $v.settings.aiModel -}}
{{- $provider = splitList ":" $v.settings.aiModel | first -}}
{{- end -}}
{{- if and (eq $provider "openai") (not (get $apiEnv "OPENAI_API_KEY")) -}}
{{- include "common.fail" (dict "field" "apiKeys.env.OPENAI_API_KEY" "message" (printf "is required while settings.aiModel is an OpenAI model (%q)" $v.settings.aiModel)) -}}
{{- end -}}
{{- range $name, $value := ($v.settings.extra | default dict) -}}
{{- if and (regexMatch "(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|_KEY$|^KEY$)" $name) (not (regexMatch "(?i)(_PATH|_FILE|_URL|_URI|_ENDPOINT|_ID|_NAME|_TIMEOUT[A-Z0-9_]*)$" $name)) -}}
{{- include "common.fail" (dict "field" (printf "settings.extra.%s" $name) "message" "looks like a secret and settings go into a ConfigMap: reference it from a Secret in apiKeys.env instead") -}}
{{- end -}}
{{- if has $name (list "AI_MODEL" "LANGSMITH_TRACING" "LANGSMITH_PROJECT" "FIREBASE_DATABASE_URL" "FIREBASE_SERVICE_ACCOUNT_PATH") -}}
{{- include "common.fail" (dict "field" (printf "settings.extra.%s" $name) "message" "is set by the chart: use the settings field for it (FIREBASE_SERVICE_ACCOUNT_PATH follows firebase.mountPath and firebase.key)") -}}
{{- end -}}
{{- if hasKey $apiEnv $name -}}
{{- include "common.fail" (dict "field" (printf "settings.extra.%s" $name) "message" "is also an API key in apiKeys.env: set it in one place") -}}
{{- end -}}
{{- if hasKey ($v.env | default dict) $name -}}
{{- include "common.fail" (dict "field" (printf "settings.extra.%s" $name) "message" (printf "is also set by env.%s, which would hide the setting: set it in one place" $name)) -}}
{{- end -}}
{{- range $index, $item := ($v.extraEnv | default list) -}}
{{- if eq (toString $item.name) $name -}}
{{- include "common.fail" (dict "field" (printf "settings.extra.%s" $name) "message" (printf "is also set by extraEnv[%d], which would hide the setting: set it in one place" $index)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and $v.ingress.enabled (ne $v.service.type "ClusterIP") -}}
{{- include "common.fail" (dict "field" "ingress.enabled" "message" (printf "needs service.type ClusterIP, not %q: a %s Service would expose the worker a second time, around the Ingress" $v.service.type $v.service.type)) -}}
{{- end -}}
{{- if and $v.service.loadBalancerSourceRanges (ne $v.service.type "LoadBalancer") -}}
{{- include "common.fail" (dict "field" "service.loadBalancerSourceRanges" "message" (printf "only applies to service.type LoadBalancer, not %q" $v.service.type)) -}}
{{- end -}}
{{- if and $v.networkPolicy.enabled $v.ingress.enabled (not $v.networkPolicy.ingressFrom) -}}
{{- include "common.fail" (dict "field" "networkPolicy.ingressFrom" "message" "must name the ingress controller (e.g. [{namespace: ingress-nginx}]) while ingress.enabled is true, or the NetworkPolicy blocks it") -}}
{{- end -}}
{{- if $v.externalSecret.enabled -}}
{{- if not $v.externalSecret.secretStoreRef.name -}}
{{- include "common.fail" (dict "field" "externalSecret.secretStoreRef.name" "message" "is required while externalSecret.enabled is true") -}}
{{- end -}}
{{- range $name, $ref := $apiEnv -}}
{{- if and $ref (not ($ref.remoteRef | default dict).key) -}}
{{- include "common.fail" (dict "field" (printf "apiKeys.env.%s.remoteRef.key" $name) "message" "is required while externalSecret.enabled is true (where the store holds this key)") -}}
{{- end -}}
{{- end -}}
{{- if not $v.firebase.remoteRef.key -}}
{{- include "common.fail" (dict "field" "firebase.remoteRef.key" "message" "is required while externalSecret.enabled is true (where the store holds the service-account key JSON)") -}}
{{- end -}}
{{- if eq $v.apiKeys.secretName $v.firebase.secretName -}}
{{- include "common.fail" (dict "field" "firebase.secretName" "message" (printf "must differ from apiKeys.secretName (%q) while externalSecret.enabled is true: each ExternalSecret owns its Secret" $v.apiKeys.secretName)) -}}
{{- end -}}
{{- end -}}
{{- $mount := include "eventstorming.firebase.mountPath" . -}}
{{- range $dir := (list "/tmp" $v.writableDirs.home.mountPath $v.writableDirs.cache.mountPath) -}}
{{- if eq (trimSuffix "/" $dir) $mount -}}
{{- include "common.fail" (dict "field" "firebase.mountPath" "message" (printf "%q is also a writable directory (writableDirs): the key needs its own read-only directory" $mount)) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
What keeps the worker a single consumer of the job queue, refused with the reason: no
rolling update (the new pod would start while the old one still works), no HPA and no
PodDisruptionBudget (a budget over one pod would block every node drain).
*/}}
{{- define "eventstorming.validate.singleton" -}}
{{- $v := .Values -}}
{{- $type := ($v.updateStrategy | default dict).type | default "RollingUpdate" -}}
{{- if ne $type "Recreate" -}}
{{- include "common.fail" (dict "field" "updateStrategy.type" "message" (printf "%q is not allowed: must be Recreate. A rolling update starts the new pod while the old one still consumes the job queue, and two pods could take the same job" $type)) -}}
{{- end -}}
{{- with ($v.updateStrategy | default dict).rollingUpdate -}}
{{- include "common.fail" (dict "field" "updateStrategy.rollingUpdate" "message" "applies to RollingUpdate only, and the worker is updated with Recreate (two pods could take the same job): remove it") -}}
{{- end -}}
{{- with $v.autoscaling -}}
{{- include "common.fail" (dict "field" "autoscaling" "message" "is not allowed: the worker consumes a job queue and runs as one pod (two pods could take the same job), so it has no HorizontalPodAutoscaler; remove autoscaling from the values file") -}}
{{- end -}}
{{- with $v.podDisruptionBudget -}}
{{- include "common.fail" (dict "field" "podDisruptionBudget" "message" "is not allowed: the worker runs as one pod, and a budget over a single pod would block every node drain; remove podDisruptionBudget from the values file") -}}
{{- end -}}
{{- end -}}
