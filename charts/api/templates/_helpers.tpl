{{/*
Chart-local helpers of the API chart. Names, labels, security contexts, resources, probes
and scheduling come from the common library chart.
*/}}

{{/* Full name of the release's objects. */}}
{{- define "api.fullname" -}}
{{- include "common.names.fullname" . -}}
{{- end -}}

{{/* The running image's version: the app.kubernetes.io/version label of every object. */}}
{{- define "api.version" -}}
{{- include "common.image.version" (dict "context" . "image" .Values.image) -}}
{{- end -}}

{{/* Value of the `service` label on pods and series: serviceName, else the full name. */}}
{{- define "api.serviceName" -}}
{{- include "common.labels.value" (.Values.serviceName | default (include "api.fullname" .)) -}}
{{- end -}}

{{/* Name of the Service port Prometheus scrapes: `metrics` with the adapter sidecar, else `http`. */}}
{{- define "api.metricsPortName" -}}
{{- if .Values.metricsAdapter.enabled -}}metrics{{- else -}}http{{- end -}}
{{- end -}}

{{/*
Cross-field rules the schema cannot express. Included once by the workload template, so
every render checks them.
*/}}
{{- define "api.validate" -}}
{{- $v := .Values -}}
{{- if and (gt (int $v.preStopSleepSeconds) 0) (ge (int $v.preStopSleepSeconds) (int $v.terminationGracePeriodSeconds)) -}}
{{- include "common.fail" (dict "field" "preStopSleepSeconds" "message" (printf "%d must be below terminationGracePeriodSeconds (%d), or the pod is killed before it stops serving" (int $v.preStopSleepSeconds) (int $v.terminationGracePeriodSeconds))) -}}
{{- end -}}
{{- if $v.rollouts.enabled -}}
{{- range $index, $step := $v.rollouts.steps -}}
{{- if and (hasKey $step "analysis") (not $v.analysis.enabled) -}}
{{- include "common.fail" (dict "field" (printf "rollouts.steps[%d].analysis" $index) "message" "analysis.enabled is false, so there is no AnalysisTemplate to run: remove the analysis steps or enable analysis") -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and $v.ingress.enabled (not $v.ingress.hosts) -}}
{{- include "common.fail" (dict "field" "ingress.hosts" "message" "is empty while ingress.enabled is true: give at least one {host}") -}}
{{- end -}}
{{- if $v.metricsAdapter.enabled -}}
{{- if not (or $v.metricsAdapter.image.tag $v.metricsAdapter.image.digest) -}}
{{- include "common.fail" (dict "field" "metricsAdapter.image.tag" "message" "is required when metricsAdapter.enabled is true (pin a version tag or set metricsAdapter.image.digest)") -}}
{{- end -}}
{{- if eq (int $v.metricsAdapter.port) (int $v.service.port) -}}
{{- include "common.fail" (dict "field" "metricsAdapter.port" "message" (printf "%d is the API's service.port: the adapter needs its own port" (int $v.metricsAdapter.port))) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
A sidecar container as given, with the restricted container securityContext for the keys
it leaves unset and its requests scaled like the API's (global.requestsPercent).
Usage: include "api.sidecar" (dict "context" $ "container" $container)
*/}}
{{- define "api.sidecar" -}}
{{- $container := deepCopy .container -}}
{{- $defaults := include "common.securityContext.container" (dict) | fromYaml -}}
{{- $_ := set $container "securityContext" (merge ($container.securityContext | default dict) $defaults) -}}
{{- if $container.resources -}}
{{- $_ := set $container "resources" (include "common.resources" (dict "context" .context "resources" $container.resources) | fromYaml) -}}
{{- end -}}
{{- toYaml $container -}}
{{- end -}}

{{/*
The pod template, shared by the Rollout and the Deployment so both run exactly the same pods.
Usage: include "api.podTemplate" (dict "context" $ "labels" (dict "version" "stable"))
"labels": labels added to the pod template besides the standard ones and `service`.
*/}}
{{- define "api.podTemplate" -}}
{{- $ctx := .context -}}
{{- $v := $ctx.Values -}}
{{- $name := include "api.fullname" $ctx -}}
{{- $labels := merge (dict "service" (include "api.serviceName" $ctx)) (.labels | default dict) (deepCopy $v.podLabels) -}}
{{- $containerSecurity := include "common.securityContext.container" (dict "override" $v.containerSecurityContext) -}}
metadata:
  labels:
    {{- include "common.labels.standard" (dict "context" $ctx "version" (include "api.version" $ctx) "extra" $labels) | nindent 4 }}
  {{- with $v.podAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ include "common.serviceAccount.name" (dict "name" $name "serviceAccount" $v.serviceAccount) }}
  automountServiceAccountToken: {{ $v.serviceAccount.automountToken | default false }}
  enableServiceLinks: false
  terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
  {{- with $v.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- with include "common.imagePullSecrets" (dict "secrets" $v.imagePullSecrets) }}
  imagePullSecrets:
    {{- . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- include "common.securityContext.pod" (dict "override" $v.podSecurityContext) | nindent 4 }}
  containers:
    - name: api
      image: {{ include "common.image" (dict "context" $ctx "image" $v.image "field" "image") }}
      imagePullPolicy: {{ $v.image.pullPolicy }}
      ports:
        - name: http
          containerPort: {{ $v.service.port }}
          protocol: TCP
      {{- with include "common.env" (dict "env" $v.env "secretEnv" $v.secretEnv "extraEnv" $v.extraEnv) }}
      env:
        {{- . | nindent 8 }}
      {{- end }}
      {{- with $v.envFrom }}
      envFrom:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $v.probes.startup.enabled }}
      startupProbe:
        {{- include "common.probe.http" (dict "path" $v.probes.startup.path "port" "http" "settings" $v.probes.startup) | nindent 8 }}
      {{- end }}
      readinessProbe:
        {{- include "common.probe.http" (dict "path" $v.probes.readiness.path "port" "http" "settings" $v.probes.readiness) | nindent 8 }}
      livenessProbe:
        {{- include "common.probe.http" (dict "path" $v.probes.liveness.path "port" "http" "settings" $v.probes.liveness) | nindent 8 }}
      {{- if gt (int $v.preStopSleepSeconds) 0 }}
      lifecycle:
        preStop:
          sleep:
            seconds: {{ int $v.preStopSleepSeconds }}
      {{- end }}
      securityContext:
        {{- $containerSecurity | nindent 8 }}
      resources:
        {{- include "common.resources" (dict "context" $ctx "resources" $v.resources) | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        {{- with $v.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    {{- with $v.metricsAdapter }}
    {{- if .enabled }}
    - name: {{ .name }}
      image: {{ include "common.image" (dict "context" $ctx "image" .image "field" "metricsAdapter.image") }}
      imagePullPolicy: {{ .image.pullPolicy }}
      {{- with .args }}
      args:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      ports:
        - name: metrics
          containerPort: {{ .port }}
          protocol: TCP
      {{- with include "common.env" (dict "env" .env) }}
      env:
        {{- . | nindent 8 }}
      {{- end }}
      readinessProbe:
        {{- include "common.probe.http" (dict "path" .healthPath "port" "metrics" "settings" (dict "periodSeconds" 10 "timeoutSeconds" 2 "failureThreshold" 3)) | nindent 8 }}
      livenessProbe:
        {{- include "common.probe.http" (dict "path" .healthPath "port" "metrics" "settings" (dict "periodSeconds" 20 "timeoutSeconds" 2 "failureThreshold" 3)) | nindent 8 }}
      securityContext:
        {{- $containerSecurity | nindent 8 }}
      resources:
        {{- include "common.resources" (dict "context" $ctx "resources" .resources) | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        {{- with .volumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    {{- end }}
    {{- end }}
    {{- range $v.sidecars }}
    - {{- include "api.sidecar" (dict "context" $ctx "container" .) | nindent 6 }}
    {{- end }}
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: {{ $v.tmpDir.sizeLimit }}
    {{- with $v.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $v.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with include "common.affinity" (dict "context" $ctx "component" "" "podAntiAffinity" $v.podAntiAffinity "affinity" $v.affinity) }}
  affinity:
    {{- . | nindent 4 }}
  {{- end }}
  {{- with include "common.topologySpread" (dict "context" $ctx "component" "" "zoneSpread" $v.zoneSpread "constraints" $v.topologySpreadConstraints) }}
  topologySpreadConstraints:
    {{- . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/*
The Rollout's canary steps from rollouts.steps: global.canaryPause replaces every timed pause,
and each analysis step runs the chart's AnalysisTemplate for this service.
*/}}
{{- define "api.canarySteps" -}}
{{- $ctx := . -}}
{{- $global := .Values.global | default dict -}}
{{- range .Values.rollouts.steps }}
{{- if hasKey . "setWeight" }}
- setWeight: {{ int .setWeight }}
{{- else if hasKey . "pause" }}
{{- $pause := .pause | default dict }}
{{- if hasKey $pause "duration" }}
- pause:
    duration: {{ $global.canaryPause | default $pause.duration | toJson }}
{{- else }}
- pause: {}
{{- end }}
{{- else if hasKey . "analysis" }}
- analysis:
    templates:
      - templateName: {{ include "api.fullname" $ctx }}
    args:
      - name: service
        value: {{ include "api.serviceName" $ctx | quote }}
{{- end }}
{{- end }}
{{- end -}}
