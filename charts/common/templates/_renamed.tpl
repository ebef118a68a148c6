{{/*
Renamed values keys. A chart that renamed keys lists them in renamed-keys.yaml at its root
(the one table `chartkit schema` reads too, so the schema still admits each old key and
this check can name it):

  renamed:
    - key: service.name        old dotted path; a `*` part stands for every key of a map
                               (catalog.*.secretEnv: the key in each catalog entry)
      to: serviceName          new path (or a list of paths when one key became several);
                               its `*` parts become the keys the old path matched
      since: 2.0.0             chart version that renamed it
      form: list               optional: the key kept its name, but a list is its old form
      note: ...                optional: what else changes (<release> and <namespace> are
                               replaced by the release's full name and namespace)

Any old key present in the values fails rendering, naming every old key found, its new
name, and that `chartkit migrate <file>` rewrites them. common.metadata runs it, so an old
key is reported whichever object helm renders first.
Usage: include "common.renamedKeys.check" $
*/}}
{{- define "common.renamedKeys.check" -}}
{{- if .Files -}}
{{- $table := .Files.Get "renamed-keys.yaml" | fromYaml -}}
{{- $values := .Values -}}
{{- $found := list -}}
{{- $lines := list -}}
{{- range $entry := ($table.renamed | default list) -}}
{{- /* Every place the old path is present: its node and the keys its `*` parts matched. */ -}}
{{- $places := list (dict "node" $values "stars" list) -}}
{{- range $part := splitList "." $entry.key -}}
{{- $next := list -}}
{{- range $place := $places -}}
{{- if kindIs "map" $place.node -}}
{{- if eq $part "*" -}}
{{- range $name, $child := $place.node -}}
{{- $next = append $next (dict "node" $child "stars" (append $place.stars $name)) -}}
{{- end -}}
{{- else if hasKey $place.node $part -}}
{{- $next = append $next (dict "node" (get $place.node $part) "stars" $place.stars) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $places = $next -}}
{{- end -}}
{{- range $place := $places -}}
{{- if or (ne (toString $entry.form) "list") (kindIs "slice" $place.node) -}}
{{- $key := include "common.renamedKeys.fill" (dict "path" $entry.key "stars" $place.stars) -}}
{{- $targets := list -}}
{{- range $target := (kindIs "slice" $entry.to | ternary $entry.to (list $entry.to)) -}}
{{- $targets = append $targets (include "common.renamedKeys.fill" (dict "path" (toString $target) "stars" $place.stars)) -}}
{{- end -}}
{{- $to := join " and " $targets -}}
{{- $line := printf "%s is now %s" $key $to -}}
{{- with $entry.since -}}
{{- $line = printf "%s (since %v)" $line . -}}
{{- end -}}
{{- if eq (toString $entry.form) "list" -}}
{{- $line = printf "%s (a list before)" $line -}}
{{- end -}}
{{- with $entry.note -}}
{{- $note := . | replace "<release>" (include "common.names.fullname" $) | replace "<namespace>" (include "common.names.namespace" $) -}}
{{- $line = printf "%s: %s" $line $note -}}
{{- end -}}
{{- $found = append $found $key -}}
{{- $lines = append $lines (printf "  - %s" $line) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if $found -}}
{{- include "common.fail" (dict "field" (join ", " $found) "message" (printf "renamed in chart %s (see its renamed-keys.yaml):\n%s\n`chartkit migrate <values file>` rewrites them in place; or rename them by hand." .Chart.Name (join "\n" $lines))) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
A renamed-keys path with its `*` parts replaced, in order, by the keys they matched.
Usage: include "common.renamedKeys.fill" (dict "path" "catalog.*.env" "stars" (list "stt"))
*/}}
{{- define "common.renamedKeys.fill" -}}
{{- $stars := .stars -}}
{{- $pieces := splitList "*" .path -}}
{{- $filled := first $pieces -}}
{{- range $index, $piece := rest $pieces -}}
{{- $star := "*" -}}
{{- if lt $index (len $stars) -}}
{{- $star = index $stars $index -}}
{{- end -}}
{{- $filled = printf "%s%s%s" $filled $star $piece -}}
{{- end -}}
{{- $filled -}}
{{- end -}}
