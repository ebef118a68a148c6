{{/*
Chart-local helpers of the eventstorming chart.
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
valueFrom.secretKeyRef env items of the API keys, all from apiKeys.secretName.
*/}}
{{- define "eventstorming.apiKeys.secretEnv" -}}
{{- $secretEnv := dict -}}
{{- range $name, $ref := (.Values.apiKeys.env | default dict) -}}
{{- if $ref -}}
{{- $_ := set $secretEnv $name (dict "secretName" $.Values.apiKeys.secretName "key" ($ref.key | default $name) "optional" $ref.optional) -}}
{{- end -}}
{{- end -}}
{{- toYaml $secretEnv -}}
{{- end -}}

{{/*
Cross-field rules that the schema cannot express. Rendered (as nothing) by deployment.yaml.
*/}}
{{- define "eventstorming.validate" -}}
{{- $v := .Values -}}
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
{{- end -}}
{{- if and $v.ingress.enabled (ne $v.service.type "ClusterIP") -}}
{{- include "common.fail" (dict "field" "ingress.enabled" "message" (printf "needs service.type ClusterIP, not %q: a %s Service would expose the worker a second time, around the Ingress" $v.service.type $v.service.type)) -}}
{{- end -}}
{{- if and $v.ingress.enabled (not $v.ingress.hosts) -}}
{{- include "common.fail" (dict "field" "ingress.hosts" "message" "needs at least one host while ingress.enabled is true") -}}
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
