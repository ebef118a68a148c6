{{/*
The container renderer of the workload model: every container a chart runs (the main one,
a chart's own extra containers, values' sidecars and initContainers, the helm test pod)
goes through common.container, so each gets the same image rules, env merge, probes,
restricted securityContext and resource checks.

Container values (one shape wherever a container is configured; see charts/common/README.md):
  image                    {registry, repository, tag, digest, pullPolicy}; "latest" is refused
  command, args            lists of strings
  containerPorts           {name: port}; merged with the chart's own ports
  env                      {NAME: plain value | {secretKeyRef|configMapKeyRef|fieldRef|resourceFieldRef: {...}}}
  extraEnv                 raw EnvVar items, after env
  envFrom                  raw EnvFromSource items, after the chart's own
  resources                {requests, limits}: quantities, each request at or below its limit
  probes                   {startup, readiness, liveness}: {enabled, type http|tcp|exec, path,
                           port, command, scheme, initialDelaySeconds, periodSeconds,
                           timeoutSeconds, successThreshold, failureThreshold}
  containerSecurityContext keys replacing the restricted defaults (common.securityContext.container)
  lifecycle                raw container lifecycle; its keys replace the preStop sleep
  preStopSleepSeconds      a preStop sleep action (0: none), below the pod's grace period
  extraVolumeMounts        raw VolumeMount items, after the chart's own and /tmp

Usage: include "common.container" (dict
  "context" $
  "name" "api"                    container name
  "field" ""                      values path of the container's keys, for errors ("", "worker", "sidecars.proxy")
  "values" .Values                the container values
  "ports" (dict "http" 8080)      the chart's own named ports
  "env" (list (dict "name" "PORT" "value" "8080" "source" "the chart (service.port)"))  the chart's own env
  "envFrom" (list ...)            the chart's own envFrom items
  "volumeMounts" (list ...)       the chart's own mounts, before /tmp
  "tmpDir" true                   mount the pod's `tmp` emptyDir at /tmp
  "init" false                    an init container: no probes, no lifecycle
  "terminationGracePeriodSeconds" 30)
*/}}
{{- define "common.container" -}}
{{- $ctx := .context -}}
{{- $v := .values | default dict -}}
{{- $prefix := ternary (printf "%s." .field) "" (not (empty .field)) -}}
{{- $ports := include "common.container.ports" . | fromYaml -}}
{{- $image := $v.image | default dict -}}
name: {{ .name }}
image: {{ include "common.image" (dict "context" $ctx "image" $image "field" (printf "%simage" $prefix)) }}
imagePullPolicy: {{ $image.pullPolicy | default "IfNotPresent" }}
{{- with $v.command }}
command:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.args }}
args:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if $ports }}
ports:
  {{- range $portName, $number := $ports }}
  - name: {{ $portName }}
    containerPort: {{ int $number }}
    protocol: TCP
  {{- end }}
{{- end }}
{{- with include "common.container.env" (dict "chart" .env "env" $v.env "extraEnv" $v.extraEnv "prefix" $prefix) }}
env:
  {{- . | nindent 2 }}
{{- end }}
{{- with concat (.envFrom | default list) ($v.envFrom | default list) }}
envFrom:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if .init }}
{{- range $probe := list "startup" "readiness" "liveness" }}
{{- if get ($v.probes | default dict) $probe }}
{{- include "common.fail" (dict "field" (printf "%sprobes.%s" $prefix $probe) "message" "an init container runs to completion before the others start and takes no probes: remove it") }}
{{- end }}
{{- end }}
{{- else }}
{{- range $probe := list "startup" "readiness" "liveness" }}
{{- with include "common.container.probe" (dict "probe" (get ($v.probes | default dict) $probe) "field" (printf "%sprobes.%s" $prefix $probe) "ports" $ports "container" $.name) }}
{{ $probe }}Probe:
  {{- . | nindent 2 }}
{{- end }}
{{- end }}
{{- with include "common.container.lifecycle" (dict "values" $v "prefix" $prefix "terminationGracePeriodSeconds" .terminationGracePeriodSeconds) }}
lifecycle:
  {{- . | nindent 2 }}
{{- end }}
{{- end }}
securityContext:
  {{- include "common.securityContext.container" (dict "override" $v.containerSecurityContext) | nindent 2 }}
resources:
  {{- include "common.resources" (dict "context" $ctx "resources" $v.resources "field" (printf "%sresources" $prefix)) | nindent 2 }}
{{- $mounts := .volumeMounts | default list }}
{{- if .tmpDir }}
{{- $mounts = append $mounts (dict "name" "tmp" "mountPath" "/tmp") }}
{{- end }}
{{- $mounts = concat $mounts ($v.extraVolumeMounts | default list) }}
{{- with $mounts }}
volumeMounts:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
A container's named ports as YAML {name: number}: the chart's own ("ports") and the values'
containerPorts; a name given by both is refused.
*/}}
{{- define "common.container.ports" -}}
{{- $prefix := ternary (printf "%s." .field) "" (not (empty .field)) -}}
{{- $ports := deepCopy (.ports | default dict) -}}
{{- range $portName, $number := ((.values | default dict).containerPorts | default dict) -}}
{{- if hasKey $ports $portName -}}
{{- include "common.fail" (dict "field" (printf "%scontainerPorts.%s" $prefix $portName) "message" (printf "port %q is declared by the chart already (%v): give your port another name" $portName (get $ports $portName))) -}}
{{- end -}}
{{- $_ := set $ports $portName $number -}}
{{- end -}}
{{- toYaml $ports -}}
{{- end -}}

{{/*
A container's env list: the chart's own items ("chart", each with an optional "source"
saying where it comes from), then the values' env map sorted by name, then the raw extraEnv
list. A name set twice is refused naming both places, and a secret-looking name with a plain
value is refused (secrets are read from Secrets, never written into values).
  env map: NAME: plain value -> value; NAME: {secretKeyRef|configMapKeyRef|fieldRef|resourceFieldRef: {...}} -> valueFrom
Usage: include "common.container.env" (dict "chart" $items "env" .Values.env "extraEnv" .Values.extraEnv "prefix" "")
*/}}
{{- define "common.container.env" -}}
{{- $prefix := .prefix | default "" -}}
{{- $seen := dict -}}
{{- $items := list -}}
{{- $sources := list "secretKeyRef" "configMapKeyRef" "fieldRef" "resourceFieldRef" -}}
{{- $secretName := "(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|_KEY$|^KEY$)" -}}
{{- $notSecretName := "(?i)(_PATH|_FILE|_URL|_URI|_ENDPOINT|_ID|_NAME|_TIMEOUT[A-Za-z0-9_]*)$" -}}
{{- $entries := list -}}
{{- range $item := (.chart | default list) -}}
{{- $entries = append $entries (dict "item" (omit $item "source") "where" ($item.source | default "the chart") "chart" true) -}}
{{- end -}}
{{- range $name, $value := (.env | default dict) -}}
{{- $where := printf "%senv.%s" $prefix $name -}}
{{- if kindIs "map" $value -}}
{{- $keys := keys $value | sortAlpha -}}
{{- if or (ne (len $keys) 1) (not (has (first $keys) $sources)) -}}
{{- include "common.fail" (dict "field" $where "message" (printf "has keys %s: give a plain value, or exactly one of %s (e.g. %s: {secretKeyRef: {name: <Secret>, key: <key>}})" (join ", " $keys) (join ", " $sources) $name)) -}}
{{- end -}}
{{- $entries = append $entries (dict "item" (dict "name" $name "valueFrom" $value) "where" $where) -}}
{{- else if not (kindIs "invalid" $value) -}}
{{- $entries = append $entries (dict "item" (dict "name" $name "value" (toString $value)) "where" $where) -}}
{{- end -}}
{{- end -}}
{{- range $index, $item := (.extraEnv | default list) -}}
{{- $entries = append $entries (dict "item" $item "where" (printf "%sextraEnv[%d]" $prefix $index)) -}}
{{- end -}}
{{- range $entry := $entries -}}
{{- $name := toString $entry.item.name -}}
{{- if hasKey $seen $name -}}
{{- include "common.fail" (dict "field" $entry.where "message" (printf "sets %s, which %s sets already: a variable is set once; keep one of the two" $name (get $seen $name))) -}}
{{- end -}}
{{- if and (hasKey $entry.item "value") (regexMatch $secretName $name) (not (regexMatch $notSecretName $name)) (not $entry.chart) -}}
{{- include "common.fail" (dict "field" $entry.where "message" (printf "%s looks like a secret, and a plain value would be written into the pod spec: read it from a Secret instead, %senv.%s: {secretKeyRef: {name: <Secret>, key: <key>}}" $name $prefix $name)) -}}
{{- end -}}
{{- $_ := set $seen $name $entry.where -}}
{{- $items = append $items $entry.item -}}
{{- end -}}
{{- with $items -}}
{{- toYaml . -}}
{{- end -}}
{{- end -}}

{{/*
One probe (startupProbe, readinessProbe or livenessProbe body), or nothing when it is not
given or `enabled: false`. type: exec when `command` is given, http when `path` is, else tcp;
an http or tcp probe's port (default: "http", or the container's only port) must be one of
the container's declared ports.
Usage: include "common.container.probe" (dict "probe" .Values.probes.readiness "field" "probes.readiness" "ports" (dict "http" 8080) "container" "api")
*/}}
{{- define "common.container.probe" -}}
{{- $p := .probe | default dict -}}
{{- if and $p (or (not (hasKey $p "enabled")) $p.enabled) -}}
{{- $field := .field -}}
{{- $type := $p.type | default (ternary "exec" (ternary "http" "tcp" (not (empty $p.path))) (not (empty $p.command))) -}}
{{- $probe := dict -}}
{{- if eq $type "exec" -}}
{{- if not $p.command -}}
{{- include "common.fail" (dict "field" (printf "%s.command" $field) "message" "is required for an exec probe: the command to run, e.g. [\"/bin/sh\", \"-c\", \"test -f /tmp/ready\"]") -}}
{{- end -}}
{{- $_ := set $probe "exec" (dict "command" $p.command) -}}
{{- else if has $type (list "http" "tcp") -}}
{{- $port := include "common.container.probePort" (dict "port" $p.port "field" $field "ports" .ports "container" .container) | fromYaml -}}
{{- if eq $type "http" -}}
{{- if not $p.path -}}
{{- include "common.fail" (dict "field" (printf "%s.path" $field) "message" "is required for an http probe: the path to GET, e.g. /health") -}}
{{- end -}}
{{- $get := dict "path" $p.path "port" $port.port -}}
{{- with $p.scheme -}}
{{- $_ := set $get "scheme" . -}}
{{- end -}}
{{- $_ := set $probe "httpGet" $get -}}
{{- else -}}
{{- $_ := set $probe "tcpSocket" (dict "port" $port.port) -}}
{{- end -}}
{{- else -}}
{{- include "common.fail" (dict "field" (printf "%s.type" $field) "message" (printf "%q is not a probe type: http (GET path on port), tcp (connect to port) or exec (run command)" $type)) -}}
{{- end -}}
{{- range $key := list "initialDelaySeconds" "periodSeconds" "timeoutSeconds" "successThreshold" "failureThreshold" "terminationGracePeriodSeconds" -}}
{{- if hasKey $p $key -}}
{{- $_ := set $probe $key (int (get $p $key)) -}}
{{- end -}}
{{- end -}}
{{- toYaml $probe -}}
{{- end -}}
{{- end -}}

{{/*
The port an http or tcp probe targets, as YAML {port: <name or number>}: the probe's port,
else "http", else the container's only port. It must be one of the container's ports.
*/}}
{{- define "common.container.probePort" -}}
{{- $ports := .ports | default dict -}}
{{- $port := .port -}}
{{- $declared := list -}}
{{- range $portName, $number := $ports -}}
{{- $declared = append $declared (printf "%s (%v)" $portName $number) -}}
{{- end -}}
{{- $declaredText := join ", " $declared | default "none" -}}
{{- if kindIs "invalid" $port -}}
{{- if hasKey $ports "http" -}}
{{- $port = "http" -}}
{{- else if eq (len $ports) 1 -}}
{{- $port = first (keys $ports) -}}
{{- else -}}
{{- include "common.fail" (dict "field" (printf "%s.port" .field) "message" (printf "is required: container %s has no port named http (its ports: %s); name the port to probe" .container $declaredText)) -}}
{{- end -}}
{{- end -}}
{{- $byNumber := regexMatch "^[0-9]+$" (toString $port) -}}
{{- $known := false -}}
{{- range $portName, $number := $ports -}}
{{- if or (and (not $byNumber) (eq $portName (toString $port))) (and $byNumber (eq (int $number) (int $port))) -}}
{{- $known = true -}}
{{- end -}}
{{- end -}}
{{- if not $known -}}
{{- include "common.fail" (dict "field" (printf "%s.port" .field) "message" (printf "%v is not a port of container %s (its ports: %s): probe one of them, or declare the port in containerPorts" $port .container $declaredText)) -}}
{{- end -}}
{{- if $byNumber }}
port: {{ int $port }}
{{- else }}
port: {{ toString $port | quote }}
{{- end }}
{{- end -}}

{{/*
A container's lifecycle: a preStop sleep of preStopSleepSeconds (when above 0; it must end
before the pod's terminationGracePeriodSeconds), with the raw `lifecycle` keys on top.
*/}}
{{- define "common.container.lifecycle" -}}
{{- $v := .values -}}
{{- $lifecycle := dict -}}
{{- $sleep := int ($v.preStopSleepSeconds | default 0) -}}
{{- if gt $sleep 0 -}}
{{- $grace := int (.terminationGracePeriodSeconds | default 30) -}}
{{- if ge $sleep $grace -}}
{{- include "common.fail" (dict "field" (printf "%spreStopSleepSeconds" .prefix) "message" (printf "%d must be below terminationGracePeriodSeconds (%d), or the pod is killed before it stops serving: lower the sleep or raise the grace period" $sleep $grace)) -}}
{{- end -}}
{{- $_ := set $lifecycle "preStop" (dict "sleep" (dict "seconds" $sleep)) -}}
{{- end -}}
{{- range $key, $value := ($v.lifecycle | default dict) -}}
{{- $_ := set $lifecycle $key $value -}}
{{- end -}}
{{- with $lifecycle -}}
{{- toYaml . -}}
{{- end -}}
{{- end -}}
