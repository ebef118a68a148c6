{{/*
The pod renderer of the workload model. A chart's Deployment, Rollout or StatefulSet
template writes its own metadata, replicas, selector and strategy, and renders its pod
template with one include of common.podTemplate, fed by the workload's values (one shape
for every workload; charts/common/README.md has the reference):

  pod options              podLabels, podAnnotations, podSecurityContext, serviceAccount,
                           imagePullSecrets, terminationGracePeriodSeconds, priorityClassName,
                           runtimeClassName, nodeSelector, tolerations, affinity,
                           podAntiAffinityPreset, zoneSpread, topologySpreadConstraints,
                           tmpDir.sizeLimit, extraVolumes
  the main container       the container values of common.container, at the same level
  sidecars, initContainers maps of name -> container values (a second values file adds one)

Usage: include "common.podTemplate" (dict
  "context" $
  "workload" .Values                 the workload's values (.Values, or .Values.worker)
  "defaults" (dict ...)              pod options shared by the chart's workloads; the workload's own win
  "field" ""                         values path of the workload, for errors ("" at the top level, "worker")
  "component" ""                     app.kubernetes.io/component ("" in single-workload charts)
  "name" $name                       the workload's name (default name of its ServiceAccount)
  "version" $version                 app.kubernetes.io/version (default: the main image's tag)
  "container" (dict "name" "api" "ports" (dict "http" 8080) "env" (list) "envFrom" (list) "volumeMounts" (list))
                                     the chart's own settings of the main container (common.container)
  "containers" (list (dict "name" "adapter" "field" "metricsAdapter" "values" .Values.metricsAdapter "ports" (dict "metrics" 9100)))
                                     the chart's own extra containers, after the main one
  "volumes" (list ...)               the chart's own volumes, before tmp and extraVolumes
  "labels" (dict "service" $svc)     the chart's own pod labels
  "reservedLabels" (list "service")  labels podLabels may not set, besides app.kubernetes.io/* and helm.sh/*
  "annotations" (dict ...)           the chart's own pod annotations
  "checksums" (dict "config" "configmap.yaml"))
                                     checksum/<key> annotations of templates the pods read, so they roll on change
*/}}
{{- define "common.podTemplate" -}}
{{- $ctx := .context -}}
{{- $w := mergeOverwrite (deepCopy (.defaults | default dict)) (deepCopy (.workload | default dict)) -}}
{{- $prefix := ternary (printf "%s." .field) "" (not (empty .field)) -}}
{{- include "common.rules.podLabels" (dict "labels" $w.podLabels "field" (printf "%spodLabels" $prefix) "reserved" .reservedLabels) -}}
{{- $labels := merge (deepCopy (.labels | default dict)) ($w.podLabels | default dict) -}}
{{- $version := .version | default (include "common.image.version" (dict "context" $ctx "image" ($w.image | default dict))) -}}
{{- $annotations := dict -}}
{{- range $key, $template := (.checksums | default dict) -}}
{{- $_ := set $annotations (printf "checksum/%s" $key) (include "common.checksum" (dict "context" $ctx "template" $template)) -}}
{{- end -}}
{{- $annotations = merge $annotations (deepCopy (.annotations | default dict)) ($w.podAnnotations | default dict) -}}
metadata:
  labels:
    {{- include "common.labels.standard" (dict "context" $ctx "component" .component "version" $version "extra" $labels) | nindent 4 }}
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- include "common.podSpec" (merge (dict "values" $w "prefix" $prefix) .) | nindent 2 }}
{{- end -}}

{{/* The pod spec; same arguments as common.podTemplate plus "values" (merged) and "prefix". */}}
{{- define "common.podSpec" -}}
{{- $ctx := .context -}}
{{- $w := .values -}}
{{- $prefix := .prefix -}}
{{- $grace := $w.terminationGracePeriodSeconds -}}
{{- $serviceAccount := $w.serviceAccount | default dict -}}
{{- $main := .container | default dict -}}
{{- $containers := list (merge (dict "context" $ctx "field" .field "values" $w "tmpDir" true "terminationGracePeriodSeconds" $grace) $main) -}}
{{- range $extra := (.containers | default list) -}}
{{- $containers = append $containers (merge (dict "context" $ctx "tmpDir" true "terminationGracePeriodSeconds" $grace) $extra) -}}
{{- end -}}
{{- $initContainers := list -}}
{{- range $kind := list "sidecars" "initContainers" -}}
{{- $given := get $w $kind -}}
{{- if and $given (not (kindIs "map" $given)) -}}
{{- include "common.fail" (dict "field" (printf "%s%s" $prefix $kind) "message" (printf "is a map of container name to container values, e.g. %s%s: {proxy: {image: {repository: envoyproxy/envoy, tag: v1.31.2}, resources: {...}}}, so a second values file adds one instead of replacing them all" $prefix $kind)) -}}
{{- end -}}
{{- range $name, $values := ($given | default dict) -}}
{{- if $values -}}
{{- $container := dict "context" $ctx "name" $name "field" (printf "%s%s.%s" $prefix $kind $name) "values" $values "tmpDir" true "terminationGracePeriodSeconds" $grace -}}
{{- if eq $kind "sidecars" -}}
{{- $containers = append $containers $container -}}
{{- else -}}
{{- $initContainers = append $initContainers (set $container "init" true) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $names := dict -}}
{{- range $container := concat $initContainers $containers -}}
{{- if hasKey $names $container.name -}}
{{- include "common.fail" (dict "field" ($container.field | default (printf "%s(container %s)" $prefix $container.name)) "message" (printf "container name %q is taken by %s: give it another name" $container.name (get $names $container.name))) -}}
{{- end -}}
{{- $_ := set $names $container.name (ternary $container.field "the chart's own container" (not (empty $container.field))) -}}
{{- end -}}
{{- $volumes := include "common.pod.volumes" (dict "volumes" .volumes "values" $w "prefix" $prefix) | fromYamlArray -}}
serviceAccountName: {{ include "common.serviceAccount.name" (dict "name" .name "serviceAccount" $serviceAccount) }}
automountServiceAccountToken: {{ include "common.serviceAccount.automount" $serviceAccount }}
enableServiceLinks: false
{{- if not (kindIs "invalid" $grace) }}
terminationGracePeriodSeconds: {{ int $grace }}
{{- end }}
{{- with $w.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with $w.runtimeClassName }}
runtimeClassName: {{ . }}
{{- end }}
{{- with include "common.imagePullSecrets" (dict "secrets" $w.imagePullSecrets) | trim }}
imagePullSecrets:
  {{- . | nindent 2 }}
{{- end }}
securityContext:
  {{- include "common.securityContext.pod" (dict "override" $w.podSecurityContext) | nindent 2 }}
{{- with $initContainers }}
initContainers:
  {{- range . }}
  - {{ include "common.container" . | indent 4 | trim }}
  {{- end }}
{{- end }}
containers:
  {{- range $containers }}
  - {{ include "common.container" . | indent 4 | trim }}
  {{- end }}
volumes:
  {{- toYaml $volumes | nindent 2 }}
{{- with $w.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $w.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with include "common.affinity" (dict "context" $ctx "component" .component "podAntiAffinity" $w.podAntiAffinityPreset "affinity" $w.affinity "field" (printf "%spodAntiAffinityPreset" $prefix)) | trim }}
affinity:
  {{- . | nindent 2 }}
{{- end }}
{{- with include "common.topologySpread" (dict "context" $ctx "component" .component "zoneSpread" $w.zoneSpread "constraints" $w.topologySpreadConstraints) | trim }}
topologySpreadConstraints:
  {{- . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
A pod's volumes as a YAML list: the chart's own, the writable /tmp emptyDir (tmpDir.sizeLimit),
then extraVolumes. hostPath is refused in extraVolumes (restricted Pod Security Standard; a
chart that needs one adds it itself, with its documented policy exemption), and a volume
name given twice is refused.
*/}}
{{- define "common.pod.volumes" -}}
{{- $prefix := .prefix -}}
{{- $w := .values -}}
{{- $tmp := dict -}}
{{- with ($w.tmpDir | default dict).sizeLimit -}}
{{- include "common.rules.storageSize" (dict "value" . "field" (printf "%stmpDir.sizeLimit" $prefix)) -}}
{{- $_ := set $tmp "sizeLimit" . -}}
{{- end -}}
{{- $entries := list -}}
{{- range $volume := (.volumes | default list) -}}
{{- $entries = append $entries (dict "volume" $volume "where" "the chart") -}}
{{- end -}}
{{- $entries = append $entries (dict "volume" (dict "name" "tmp" "emptyDir" $tmp) "where" "the chart (the writable /tmp)") -}}
{{- range $index, $volume := ($w.extraVolumes | default list) -}}
{{- $where := printf "%sextraVolumes[%d]" $prefix $index -}}
{{- if hasKey $volume "hostPath" -}}
{{- include "common.fail" (dict "field" (printf "%s.hostPath" $where) "message" "hostPath volumes are not allowed (restricted Pod Security Standard: the pod would reach into the node's filesystem): use an emptyDir, a persistentVolumeClaim, a configMap or a secret volume") -}}
{{- end -}}
{{- $entries = append $entries (dict "volume" $volume "where" $where) -}}
{{- end -}}
{{- $seen := dict -}}
{{- $volumes := list -}}
{{- range $entry := $entries -}}
{{- $name := toString $entry.volume.name -}}
{{- if hasKey $seen $name -}}
{{- include "common.fail" (dict "field" $entry.where "message" (printf "volume %q is defined by %s already: give it another name" $name (get $seen $name))) -}}
{{- end -}}
{{- $_ := set $seen $name $entry.where -}}
{{- $volumes = append $volumes $entry.volume -}}
{{- end -}}
{{- toYaml $volumes -}}
{{- end -}}
