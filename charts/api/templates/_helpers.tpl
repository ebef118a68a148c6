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
{{- include "api.validate.trafficRouting" . -}}
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
The traffic router of the canary: "nginx", "gatewayAPI", or "" (none: the weight is the
canary's share of the pods behind the one Service).
*/}}
{{- define "api.trafficRouter" -}}
{{- $type := ((.Values.rollouts.trafficRouting | default dict).type | default "none") -}}
{{- if and .Values.rollouts.enabled (ne $type "none") -}}{{ $type }}{{- end -}}
{{- end -}}

{{/*
Label that marks the Services Argo Rollouts points at the stable or the canary pods during a
routed canary (value stable or canary). The ServiceMonitor leaves them out: it scrapes every
pod once, through the release's main Service.
*/}}
{{- define "api.trafficRoleLabel" -}}chartkit.io/traffic-role{{- end -}}

{{/* Names of the stable and the canary Service of a routed canary. */}}
{{- define "api.stableServiceName" -}}
{{- include "common.names.component" (dict "context" . "component" "stable") -}}
{{- end -}}
{{- define "api.canaryServiceName" -}}
{{- include "common.names.component" (dict "context" . "component" "canary") -}}
{{- end -}}

{{/*
Traffic routing: a router needs a Rollout and its own way in (the Ingress for nginx, an
HTTPRoute to a Gateway for gatewayAPI); dynamicStableScale and scaleDownDelaySeconds need a
router, and not both (Argo Rollouts refuses them otherwise).
*/}}
{{- define "api.validate.trafficRouting" -}}
{{- $v := .Values -}}
{{- $r := $v.rollouts -}}
{{- $routing := $r.trafficRouting | default dict -}}
{{- $type := $routing.type | default "none" -}}
{{- if and (not $r.enabled) (ne $type "none") -}}
{{- include "common.fail" (dict "field" "rollouts.trafficRouting.type" "message" (printf "%s routes the canary steps of an Argo Rollout, but rollouts.enabled is false (a Deployment has no canary): set it to none, or enable rollouts" $type)) -}}
{{- end -}}
{{- $router := include "api.trafficRouter" . -}}
{{- if and $r.dynamicStableScale (not $router) -}}
{{- include "common.fail" (dict "field" "rollouts.dynamicStableScale" "message" "needs a traffic router (rollouts.trafficRouting.type nginx or gatewayAPI): without one the canary's share of pods is its share of traffic, so the stable pods cannot be scaled down as it grows (Argo Rollouts refuses it)") -}}
{{- end -}}
{{- if and (not (kindIs "invalid" $r.scaleDownDelaySeconds)) (not $router) -}}
{{- include "common.fail" (dict "field" "rollouts.scaleDownDelaySeconds" "message" "needs a traffic router (rollouts.trafficRouting.type nginx or gatewayAPI); without one the old pods stop serving as soon as they are scaled down (Argo Rollouts refuses it): remove it") -}}
{{- end -}}
{{- if and $r.dynamicStableScale (not (kindIs "invalid" $r.scaleDownDelaySeconds)) -}}
{{- include "common.fail" (dict "field" "rollouts.scaleDownDelaySeconds" "message" "cannot be used with rollouts.dynamicStableScale (Argo Rollouts refuses the two together): remove one") -}}
{{- end -}}
{{- if eq $router "nginx" -}}
{{- if not $v.ingress.enabled -}}
{{- include "common.fail" (dict "field" "rollouts.trafficRouting.type" "message" "nginx splits the canary's traffic at the chart's Ingress (trafficRouting.nginx.stableIngress), but ingress.enabled is false: enable the Ingress with its hosts") -}}
{{- end -}}
{{- range $key, $_ := (($routing.nginx | default dict).additionalIngressAnnotations | default dict) -}}
{{- $field := printf "rollouts.trafficRouting.nginx.additionalIngressAnnotations.%s" $key -}}
{{- if contains "/" $key -}}
{{- include "common.fail" (dict "field" $field "message" (printf "has a prefix: the controller puts nginx.ingress.kubernetes.io/ before each key itself, so give it as %s" (regexReplaceAll "^.*/" $key ""))) -}}
{{- end -}}
{{- if has $key (list "canary" "canary-weight") -}}
{{- include "common.fail" (dict "field" $field "message" "is set by Argo Rollouts on the canary Ingress at every step (canary: true, canary-weight: the step's weight): remove it") -}}
{{- end -}}
{{- end -}}
{{- range $key, $_ := ($v.ingress.annotations | default dict) -}}
{{- if hasPrefix "nginx.ingress.kubernetes.io/canary" $key -}}
{{- include "common.fail" (dict "field" (printf "ingress.annotations.%s" $key) "message" (printf "is a canary annotation on the stable Ingress: ingress-nginx would treat the release's main Ingress as a canary itself. Argo Rollouts creates the canary Ingress and sets canary and canary-weight there; give other canary annotations without the prefix in rollouts.trafficRouting.nginx.additionalIngressAnnotations (e.g. %s)" (trimPrefix "nginx.ingress.kubernetes.io/" $key))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if eq $router "gatewayAPI" -}}
{{- $gateway := $routing.gatewayAPI | default dict -}}
{{- if not $gateway.parentRefs -}}
{{- include "common.fail" (dict "field" "rollouts.trafficRouting.gatewayAPI.parentRefs" "message" "is empty: the HTTPRoute needs the Gateway it attaches to, e.g. [{name: public, namespace: gateway}]") -}}
{{- end -}}
{{- range $index, $host := ($gateway.hostnames | default list) -}}
{{- include "common.rules.hostname" (dict "value" $host "field" (printf "rollouts.trafficRouting.gatewayAPI.hostnames[%d]" $index)) -}}
{{- end -}}
{{- if $v.ingress.enabled -}}
{{- include "common.fail" (dict "field" "ingress.enabled" "message" "is true while the canary is routed by the Gateway API (rollouts.trafficRouting.type gatewayAPI): requests through the Ingress would bypass the HTTPRoute's weights. Serve the hosts through the HTTPRoute (rollouts.trafficRouting.gatewayAPI.hostnames) and disable the Ingress") -}}
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
