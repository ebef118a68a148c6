{{/*
Chart-local helpers of the API chart. The pod template, names, labels, security contexts,
resources, probes and scheduling come from the common library chart's workload model; these
only say what is the API chart's own.
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
Cross-field rules of the API chart's own values (the workload model checks the rest while it
renders the pods). Included once by the workload templates, so every render checks them.
*/}}
{{- define "api.validate" -}}
{{- $v := .Values -}}
{{- if $v.rollouts.enabled -}}
{{- include "api.validate.rolloutMode" . -}}
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
Rollout mode: Argo Rollouts sets the `version` label itself, runs the canary steps (no
Recreate), and each setWeight moves the canary further.
*/}}
{{- define "api.validate.rolloutMode" -}}
{{- $v := .Values -}}
{{- $name := include "api.fullname" . -}}
{{- $namespace := include "common.names.namespace" . -}}
{{- with $v.version -}}
{{- include "common.fail" (dict "field" "version" "message" (printf "%q is set, but in Rollout mode (rollouts.enabled: true, the default) Argo Rollouts labels the pods itself: the new ReplicaSet's pods version=canary, the old ones version=stable, and the analysis and dashboards select on that. Remove version from the values file. To move a canary on, promote it: kubectl argo rollouts promote %s -n %s (add --full to finish the rollout). version applies only with rollouts.enabled: false, where it labels the Deployment's pods" . $name $namespace)) -}}
{{- end -}}
{{- if eq (($v.updateStrategy | default dict).type | default "RollingUpdate") "Recreate" -}}
{{- include "common.fail" (dict "field" "updateStrategy.type" "message" "Recreate applies to a Deployment (rollouts.enabled: false); a Rollout always runs the canary steps of rollouts.steps") -}}
{{- end -}}
{{- $previous := 0 -}}
{{- $previousIndex := -1 -}}
{{- range $index, $step := $v.rollouts.steps -}}
{{- if and (hasKey $step "analysis") (not $v.analysis.enabled) -}}
{{- include "common.fail" (dict "field" (printf "rollouts.steps[%d].analysis" $index) "message" "analysis.enabled is false, so there is no AnalysisTemplate to run: remove the analysis steps or enable analysis") -}}
{{- end -}}
{{- if hasKey $step "setWeight" -}}
{{- $weight := int $step.setWeight -}}
{{- if or (lt $weight 1) (gt $weight 100) -}}
{{- include "common.fail" (dict "field" (printf "rollouts.steps[%d].setWeight" $index) "message" (printf "%d is not a percentage of pods from 1 to 100" $weight)) -}}
{{- end -}}
{{- if le $weight $previous -}}
{{- include "common.fail" (dict "field" (printf "rollouts.steps[%d].setWeight" $index) "message" (printf "%d is not above the previous weight %d (rollouts.steps[%d]): each setWeight sends a larger share of pods to the new version; order the steps by increasing weight" $weight $previous $previousIndex)) -}}
{{- end -}}
{{- $previous = $weight -}}
{{- $previousIndex = $index -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The pod template, shared by the Rollout and the Deployment so both run exactly the same pods:
the workload model (common.podTemplate) fed by the chart's values, with the API container's
port `http` (service.port), the metrics adapter when enabled, and the `service` label.
Usage: include "api.podTemplate" (dict "context" $ "labels" (dict "version" "stable"))
"labels": labels added to the pod template besides the standard ones and `service`.
*/}}
{{- define "api.podTemplate" -}}
{{- $ctx := .context -}}
{{- $v := $ctx.Values -}}
{{- $containers := list -}}
{{- if $v.metricsAdapter.enabled -}}
{{- $containers = append $containers (dict "name" $v.metricsAdapter.name "field" "metricsAdapter" "values" $v.metricsAdapter "ports" (dict "metrics" $v.metricsAdapter.port)) -}}
{{- end -}}
{{- include "common.podTemplate" (dict
      "context" $ctx
      "workload" $v
      "name" (include "api.fullname" $ctx)
      "version" (include "api.version" $ctx)
      "container" (dict "name" "api" "ports" (dict "http" $v.service.port))
      "containers" $containers
      "labels" (merge (dict "service" (include "api.serviceName" $ctx)) (.labels | default dict))
      "reservedLabels" (list "service" "version")) -}}
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
